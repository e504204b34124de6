import type { RegistryRequest, RegistryResponse } from './payloads.ts';
import type { SeenMessage } from './protocolChecker.ts';

/**
 * The manager's registry side: a proplet asks for a module by app name (a start message with
 * image_url instead of file), and gets it back base64-encoded on the registry server topic.
 */
export class RegistryResponder {
  private readonly images = new Map<string, Uint8Array>();
  private readonly answeredElsewhere = new Set<string>();

  constructor(
    private readonly answer: (response: RegistryResponse) => void,
    private readonly unknown: (message: SeenMessage, appName: string) => void,
  ) {}

  provide(appName: string, wasm: Uint8Array): void {
    this.images.set(appName, wasm);
  }

  /** The test answers the requests for `appName` itself (with a broken answer, say): no answer here, and no complaint. */
  answeredByTest(appName: string): void {
    this.answeredElsewhere.add(appName);
  }

  /** Answers a parsed registry request. */
  respond(message: SeenMessage): void {
    const appName = (message.value as RegistryRequest).app_name;
    if (this.answeredElsewhere.has(appName)) return;
    const image = this.images.get(appName);
    if (!image) return this.unknown(message, appName);
    this.answer({ app_name: appName, data: Buffer.from(image).toString('base64') });
  }
}
