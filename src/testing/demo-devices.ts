// The devices of the demo (`npm start`). Keys are public demo values: never use them in the field.
import { generatedDevices, type SimDeviceSpec } from './end-devices.js';

export const DEMO_DEVICES: SimDeviceSpec[] = generatedDevices(3).map((d, i) => ({ ...d, name: `demo-device-${i + 1}` }));
