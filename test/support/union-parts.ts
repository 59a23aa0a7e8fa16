// unionRanges' parallel lists as one object per part, for tests that read a part at a time.
import { AddressRange, UnionParts } from "../../components/model/addressset";

export function partsOf<T>(union: UnionParts<T>): { range: AddressRange; items: T[] }[] {
    return union.ranges.map((range, i) => ({ range, items: union.items[i] }));
}
