/**
 * The configuration intake and alerts read from Git: the Receivers, Alerts and Providers of the
 * last fleet revision that rendered (the fleet snapshot), over the deploy-time bootstrap (the first
 * fleet repository's Receiver, a configuration directory shipped with the function). A commit that
 * adds a Receiver or changes an Alert takes effect at once, with no redeploy. Where another process
 * writes the snapshot (AWS), it is read again at most every `refreshMs`.
 */
import type { FleetDocument } from '#shared/config/fleet.ts';
import type { FluxReceiver } from '#shared/config/receiver.ts';
import { buildAlertingConfig, type AlertingConfig } from '#shared/alerts/config.ts';
import { ReceiverDirectory, type ReceiverDirectoryOptions } from '#shared/intake/directory.ts';
import type { Clock, SecretStore } from '#shared/ports/index.ts';
import type { FleetStore } from './fleet-store.ts';
import { alertingDocuments, fleetReceivers } from './fleet-view.ts';

export interface FleetConfigurationOptions {
  clock: Clock;
  /** Receivers known at deploy time; a Receiver of the same namespace/name in Git replaces one. */
  bootstrapReceivers?: readonly FluxReceiver[];
  /** Alert, Provider (and Kustomization) documents known at deploy time; Git's come after them. */
  bootstrapDocuments?: readonly FleetDocument[];
  /** Re-read the stored snapshot when the copy in memory is older than this (default: never — this process writes it). */
  refreshMs?: number;
}

export class FleetConfiguration {
  readonly #fleet: FleetStore | undefined;
  readonly #options: FleetConfigurationOptions;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #directory: { fingerprint: string; value: ReceiverDirectory } | undefined;

  /** `fleet` absent: only the bootstrap configuration (no artifact store configured). */
  constructor(fleet: FleetStore | undefined, options: FleetConfigurationOptions) {
    this.#fleet = fleet;
    this.#options = options;
  }

  async #snapshot(): Promise<Awaited<ReturnType<FleetStore['load']>> | undefined> {
    if (!this.#fleet) return undefined;
    const { refreshMs } = this.#options;
    if (refreshMs !== undefined && this.#options.clock.now() - this.#loadedAt >= refreshMs) {
      this.#fleet.invalidate();
      this.#loadedAt = this.#options.clock.now();
    }
    return this.#fleet.load();
  }

  /** The Receivers: Git's, and the bootstrap's that Git does not redefine. */
  async receivers(): Promise<FluxReceiver[]> {
    const snapshot = await this.#snapshot();
    const fromGit = snapshot ? fleetReceivers(snapshot) : [];
    const names = new Set(fromGit.map((receiver) => `${receiver.metadata.namespace}/${receiver.metadata.name}`));
    return [
      ...(this.#options.bootstrapReceivers ?? []).filter((receiver) => !names.has(`${receiver.metadata.namespace}/${receiver.metadata.name}`)),
      ...fromGit,
    ];
  }

  /** The intake's routing table for the current Receivers, rebuilt only when they change. */
  async receiverDirectory(secrets: SecretStore, options: Omit<ReceiverDirectoryOptions, 'clock'> = {}): Promise<ReceiverDirectory> {
    const receivers = await this.receivers();
    const fingerprint = JSON.stringify(receivers);
    if (this.#directory?.fingerprint !== fingerprint)
      this.#directory = { fingerprint, value: new ReceiverDirectory(receivers, secrets, { clock: this.#options.clock, ...options }) };
    return this.#directory.value;
  }

  /** The alerting configuration: the bootstrap documents, then Git's. */
  async alerting(): Promise<AlertingConfig> {
    const snapshot = await this.#snapshot();
    return buildAlertingConfig([...(this.#options.bootstrapDocuments ?? []), ...(snapshot ? alertingDocuments(snapshot) : [])]);
  }
}
