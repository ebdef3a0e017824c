// The eight MHDR message types (bits 7..5). Value 6 is RFU in 1.0.x and RejoinRequest in 1.1;
// we name it after 1.1 so frames from newer devices are at least recognisable.

export type MTypeName =
  | 'JoinRequest'
  | 'JoinAccept'
  | 'UnconfirmedDataUp'
  | 'UnconfirmedDataDown'
  | 'ConfirmedDataUp'
  | 'ConfirmedDataDown'
  | 'RejoinRequest'
  | 'Proprietary';

export type DataMTypeName = 'UnconfirmedDataUp' | 'UnconfirmedDataDown' | 'ConfirmedDataUp' | 'ConfirmedDataDown';

/** Indexed by the 3-bit MType value. */
export const MTYPE_NAMES: readonly MTypeName[] = [
  'JoinRequest',
  'JoinAccept',
  'UnconfirmedDataUp',
  'UnconfirmedDataDown',
  'ConfirmedDataUp',
  'ConfirmedDataDown',
  'RejoinRequest',
  'Proprietary',
];

export const MTYPE_CODE: Readonly<Record<MTypeName, number>> = {
  JoinRequest: 0,
  JoinAccept: 1,
  UnconfirmedDataUp: 2,
  UnconfirmedDataDown: 3,
  ConfirmedDataUp: 4,
  ConfirmedDataDown: 5,
  RejoinRequest: 6,
  Proprietary: 7,
};

/** LoRaWAN R1, the only major version defined. */
export const MAJOR_LORAWAN_R1 = 0;
