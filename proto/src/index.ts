// Generated protobuf classes (built from proto/*.proto by `npm run build`) re-exported under a stable name.
import { invorto } from '../gen/invorto.js';

export const v1 = invorto.v1;
export type { invorto };
