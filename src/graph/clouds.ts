import { AppError } from '../errors';

/**
 * National clouds, named as the CLOUD setting names them: Public (worldwide, GCC included),
 * USGov (GCC High, Graph "US Government L4") and USGovDoD (Graph "L5"). The China cloud
 * (21Vianet) has no To Do attachments, so it is refused up front.
 */
export const CLOUD_NAMES = ['Public', 'USGov', 'USGovDoD', 'China'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

export interface CloudEndpoints {
  graph: string;
  login: string;
  todoAttachments: boolean;
}

const CLOUDS: Record<CloudName, CloudEndpoints> = {
  Public: { graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com', todoAttachments: true },
  USGov: { graph: 'https://graph.microsoft.us', login: 'https://login.microsoftonline.us', todoAttachments: true },
  USGovDoD: { graph: 'https://dod-graph.microsoft.us', login: 'https://login.microsoftonline.us', todoAttachments: true },
  China: { graph: 'https://microsoftgraph.chinacloudapi.cn', login: 'https://login.chinacloudapi.cn', todoAttachments: false },
};

export function cloudEndpoints(cloud: CloudName): CloudEndpoints {
  return CLOUDS[cloud];
}

/** The Graph v1.0 root for a cloud, or the override; refuses clouds without To Do attachments. */
export function graphBaseUrl(cloud: CloudName, override?: string): string {
  if (override !== undefined) return override.replace(/\/+$/, '');
  const c = CLOUDS[cloud];
  if (!c.todoAttachments) {
    throw new AppError(
      'CLOUD_NOT_SUPPORTED',
      `Microsoft To Do task attachments are not available in the ${cloud} cloud; use Public, USGov or USGovDoD.`,
    );
  }
  return `${c.graph}/v1.0`;
}

/**
 * The Graph root for the app's configuration. The cloud setting wins over an override: a
 * China deployment has no To Do attachments whatever URL it points at.
 */
export function graphBaseUrlFromConfig(config: { graph: { cloud: CloudName; baseUrlOverride: string | undefined } }): string {
  if (!CLOUDS[config.graph.cloud].todoAttachments) return graphBaseUrl(config.graph.cloud);
  return graphBaseUrl(config.graph.cloud, config.graph.baseUrlOverride);
}
