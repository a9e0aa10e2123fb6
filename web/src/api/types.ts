// Names for the generated OpenAPI types (schema.d.ts, from GET /rpc/openapi).
import type { paths, components } from './schema';

export type Schemas = components['schemas'];
type Rpc = { [K in keyof paths]: K extends `/rpc/${infer F}` ? F : never }[keyof paths];
export type RpcName = Rpc;

type PostOf<F extends RpcName> = paths[`/rpc/${F}`] extends { post?: infer P } ? NonNullable<P> : never;
export type RpcArgs<F extends RpcName> =
  PostOf<F> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : Record<string, never>;
export type RpcResult<F extends RpcName> =
  PostOf<F> extends { responses: { 200: { content: { 'application/json': infer R } } } } ? R : unknown;

export type Whoami = Schemas['Whoami'];
export type LoginResult = Schemas['LoginResult'];
export type PatientRow = Schemas['patient_row'];
export type AccountRow = Schemas['account_row'];
export type Role = Schemas['Role'];
