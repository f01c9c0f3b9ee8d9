// Ports of the servers the journeys start, all on 127.0.0.1; chosen away
// from the console's default 3000 so a running `make run` does not clash.
export const APP_PORT = 3100;
export const MAIL_SMTP_PORT = 41025;
export const MAIL_WEB_PORT = 41080;
// Two OpenID Connect providers (oidc-provider-mock): one configured as
// Google, one as Microsoft Entra ID.
export const GOOGLE_PORT = 41090;
export const ENTRA_PORT = 41091;
// Two more server processes over the same database, as replicas.
export const REPLICA_PORTS = [3101, 3102];
