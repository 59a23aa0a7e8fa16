// What only the program tests need on top of tools/mock: resource options captured with
// `transformations`.
import * as pulumi from "@pulumi/pulumi";

export interface Captured {
    type: string;
    name: string;
    opts: pulumi.CustomResourceOptions;
}

/** A transformation that records every resource's options, children included. */
export function captureOptions(into: Captured[]): pulumi.ResourceTransformation {
    return (args) => {
        into.push({
            type: args.type,
            name: args.name,
            opts: args.opts as pulumi.CustomResourceOptions,
        });
        return undefined;
    };
}
