// The part of the WebAssembly API the kernel modules use (TypeScript's ES library, without the DOM's, does not
// declare it), and the compiling of a module carried as base64 (`npm run build:wasm` writes the *.bytes.ts).

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A compiled module from its bytes in base64. */
export function compileBase64(base64: string): object {
  return new wasm.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}
