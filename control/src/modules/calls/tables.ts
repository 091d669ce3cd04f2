// Filled by the calls module.
export interface CallTables {}
