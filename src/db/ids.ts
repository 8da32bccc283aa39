import { v7 } from 'uuid';

/**
 * Ids for new rows: UUIDv7, ordered by creation time (monotonic within a millisecond). Lists that
 * order by (time, id) therefore keep the order in which things happened, even for two events
 * written in the same transaction at the same moment, and new rows land at the end of the index.
 */
export const newId = (): string => v7();
