// Masking of credential-like values in free text (operator reasons, names read from the cloud)
// before it reaches outputs, errors, logs or reviews (safety invariant 5). Pure: plan/ and review/
// both import it.

/**
 * Replaces what looks like a credential in `text` with `****`: a bearer token, the value after
 * `password`, `secret`, `token` or `api key` (`=`, `:` or spaces; quoted or not), and the password
 * of a URL's userinfo. Masking twice gives the same text.
 */
export function maskSecrets(text: string): string {
    return text
        .replace(/(bearer\s+)[^\s"']+/gi, "$1****")
        .replace(
            /((?:password|secret|token|api[-_]?key)[=:\s]+)("[^"]*"|'[^']*'|[^\s"']+)/gi,
            "$1****",
        )
        .replace(/(:\/\/[^/\s:@]+:)[^/\s@]+@/g, "$1****@");
}
