// The built-in device codecs, one line per device model: adding a model is its file
// (`<id>.ts`, made with defineCodec) plus one line here. index.ts checks this list at load time.
export { boschTps110 } from './bosch-tps110.js';
export { decentlabDlLp8p } from './decentlab-dl-lp8p.js';
export { decentlabDlPm } from './decentlab-dl-pm.js';
export { elsysErs } from './elsys-ers.js';
export { milesightAm307 } from './milesight-am307.js';
export { milesightAm319 } from './milesight-am319.js';
export { milesightWs558 } from './milesight-ws558.js';
export { nasysUl20xx } from './nasys-ul20xx.js';
export { netvoxR719a } from './netvox-r719a.js';
export { nwaveNps405 } from './nwave-nps405.js';
export { tekzitelTekzipark } from './tekzitel-tekzipark.js';
