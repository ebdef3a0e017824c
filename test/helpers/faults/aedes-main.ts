// aedes as its own process, so the fault harness can signal it like any other broker.
import { startEmbeddedBroker } from '../../../src/testing/embedded-broker.js';

const port = Number(process.argv[2]);
const broker = await startEmbeddedBroker(port);
const stop = () => void broker.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
