// @invorto/artifacts: the artifact store interface, its two backends and the helpers around them.
export * from './artifact-store.ts';
export { LocalDiskStore, type LocalDiskStoreOptions } from './local-disk-store.ts';
export { S3ArtifactStore, lifecycleRules, PART_SIZE_BYTES } from './s3-store.ts';
export { s3Client, type S3StoreSettings } from './s3-settings.ts';
export { s3Error, s3ErrorKind } from './s3-errors.ts';
export { LOCAL_SIGNED_PATH, signLocalUrl, verifyLocalSignedUrl, type SignedUrlCheck, type SignedUrlQuery } from './signed-url.ts';
export { openArtifactStore, type ArtifactStoreSettings } from './open-store.ts';
