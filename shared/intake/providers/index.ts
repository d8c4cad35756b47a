/** The verification and normalization scheme of each receiver type. */
import type { ReceiverType } from '#shared/config/receiver.ts';
import type { WebhookProvider } from '../types.ts';
import { bitbucketProvider } from './bitbucket.ts';
import { genericHmacProvider } from './generic-hmac.ts';
import { giteaProvider } from './gitea.ts';
import { githubProvider } from './github.ts';
import { gitlabProvider } from './gitlab.ts';

/** Receiver type → provider. */
export const PROVIDERS: Readonly<Record<ReceiverType, WebhookProvider>> = {
  github: githubProvider,
  gitlab: gitlabProvider,
  bitbucket: bitbucketProvider,
  gitea: giteaProvider,
  'generic-hmac': genericHmacProvider,
};
