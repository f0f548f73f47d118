// The import presets for public e-commerce data sets, by name.
import type { Preset } from '../converter.js';
import { diginetica } from './diginetica.js';
import { movielens } from './movielens.js';
import { onlineRetail } from './online-retail.js';
import { paysim } from './paysim.js';
import { rees46 } from './rees46.js';
import { retailrocket } from './retailrocket.js';
import { taobao } from './taobao.js';

export const PRESETS: ReadonlyMap<string, Preset> = new Map(
  [movielens, taobao, rees46, retailrocket, diginetica, onlineRetail, paysim].map((p) => [p.name, p]),
);

export { PAYSIM_EPOCH } from './paysim.js';
