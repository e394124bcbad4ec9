// Thin helpers over the generated protocol types: encode, decode, and names.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  ClientFrameSchema,
  ServerFrameSchema,
  type ClientFrame,
  type ServerFrame,
} from "../gen/parley/v1/protocol_pb";

export * from "../gen/parley/v1/protocol_pb";

export type ClientFrameInit = MessageInitShape<typeof ClientFrameSchema>;

export function encodeClientFrame(init: ClientFrameInit): Uint8Array {
  return toBinary(ClientFrameSchema, create(ClientFrameSchema, init));
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  return fromBinary(ServerFrameSchema, bytes);
}

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  return fromBinary(ClientFrameSchema, bytes);
}

/** A random id for client_message_id: unique per sender, stable across resends. */
export function newClientId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "m-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
