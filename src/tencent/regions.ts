/**
 * Tencent Cloud IM REST hosts per data centre. The host must match the app's data centre: a mismatch
 * shows as 70016 or 70020, which is why the China host is never assumed for an overseas app.
 */
const IM_REGION_HOSTS = {
  china: { host: 'console.tim.qq.com', backupHost: 'adminapi.my-imcloud.com' },
  singapore: { host: 'adminapisgp.im.qcloud.com', backupHost: 'adminapisgp.my-imcloud.com' },
  seoul: { host: 'adminapikr.im.qcloud.com', backupHost: 'adminapikr.my-imcloud.com' },
  tokyo: { host: 'adminapijpn.im.qcloud.com', backupHost: 'adminapijpn.my-imcloud.com' },
  frankfurt: { host: 'adminapiger.im.qcloud.com', backupHost: 'adminapiger.my-imcloud.com' },
  siliconvalley: { host: 'adminapiusa.im.qcloud.com', backupHost: 'adminapiusa.my-imcloud.com' },
  jakarta: { host: 'adminapiidn.im.qcloud.com', backupHost: 'adminapiidn.my-imcloud.com' },
  // Missing from Tencent's newest pages, still served.
  mumbai: { host: 'adminapiind.im.qcloud.com', backupHost: 'adminapiind.my-imcloud.com' },
} as const;

export type ImRegion = keyof typeof IM_REGION_HOSTS;

export const IM_REGIONS = Object.keys(IM_REGION_HOSTS) as ImRegion[];

/** The HTTPS base URL of a region's primary host, e.g. `https://console.tim.qq.com`. */
export function regionBaseUrl(region: ImRegion): string {
  return `https://${IM_REGION_HOSTS[region].host}`;
}

/** The HTTPS base URL of a region's backup host (Tencent's `*.my-imcloud.com`), where calls fail over. */
export function regionBackupBaseUrl(region: ImRegion): string {
  return `https://${IM_REGION_HOSTS[region].backupHost}`;
}
