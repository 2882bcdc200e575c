/** planet-auth-plugin-token-exchange: name this module in `plugins` of a planet-auth config file, or `kernel.use(plugin)`. */
export { plugin, TokenExchangeAuthenticator, TokenExchangeClient, TokenExchangeConfig, RENEW_BEFORE_S } from "./plugin.js";
