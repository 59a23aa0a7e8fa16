// Cutting the review to what GitHub will take: a pull-request comment is refused outright when
// its body is longer than 65,536 characters (the API's 422 "Body is too long (maximum is 65536
// characters)"), and a step's job summary is dropped when it is larger than 1 MiB (the runner:
// "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k"; GitHub's
// "Adding a job summary" docs). A cut review keeps whole lines, closes a code fence it cut
// into, and ends with a line saying it was cut and where the whole review is.

/** GitHub's limit on a comment body, in characters. */
export const COMMENT_LIMIT = 65536;
/** GitHub's limit on one step's job summary, in bytes. */
export const SUMMARY_LIMIT = 1024 * 1024;
/**
 * Kept free below the limit: the sticky comment action adds its hidden marker
 * (`<!-- Sticky Pull Request Comment<header> -->`) to the body it posts.
 */
export const HEADROOM = 1024;

export interface CutOptions {
    /** The size not to reach: COMMENT_LIMIT or SUMMARY_LIMIT. */
    limit: number;
    /** Where the whole review can be read, for the line saying it was cut. */
    fullReviewAt: string;
}

/**
 * The review as given when it fits in `limit - HEADROOM`, else its first whole lines and a
 * closing line. Sizes are counted in UTF-8 bytes, which are never fewer than the characters
 * (code points or UTF-16 units) GitHub counts, so a cut text fits whichever way it counts.
 */
export function cutReview(markdown: string, options: CutOptions): string {
    const budget = options.limit - HEADROOM;
    const size = (text: string) => Buffer.byteLength(text, "utf8");
    if (size(markdown) <= budget) {
        return markdown;
    }
    const lines = markdown.split("\n");
    const kept: string[] = [];
    let used = 0;
    let fence: string | undefined;
    // The closing line is at most this long; reserved before any line is kept.
    const reserve = size(cutNote(lines.length, lines.length, size(markdown), options)) + 16;
    for (const line of lines) {
        const cost = size(line) + 1;
        const closing = fence ? size(fence) + 1 : 0;
        if (used + cost + closing + reserve > budget) {
            break;
        }
        kept.push(line);
        used += cost;
        // A fence inside a list item (the verdict's refusals) is indented: it is closed as indented,
        // or the closing line would end the item and open a new block holding the rest.
        const [, indent, marker] = /^( {0,3})(`{3,}|~{3,})/.exec(line) ?? [];
        const open = fence?.trimStart();
        if (marker && (!open || (marker[0] === open[0] && marker.length >= open.length))) {
            fence = open ? undefined : `${indent}${marker}`;
        }
    }
    if (fence) {
        kept.push(fence);
    }
    return [...kept, "", cutNote(kept.length, lines.length, size(markdown), options), ""].join(
        "\n",
    );
}

function cutNote(shown: number, total: number, bytes: number, options: CutOptions): string {
    return (
        `> **This review was cut**: it is ${bytes.toLocaleString("en")} bytes, more than GitHub ` +
        `takes here (${options.limit.toLocaleString("en")}); only its first ${shown} of ${total} ` +
        `lines are shown. The full review is in ${options.fullReviewAt}.`
    );
}
