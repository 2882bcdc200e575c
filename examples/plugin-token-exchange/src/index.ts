/** planet-auth-plugin-token-exchange: name this module in `plugins` of a planet-auth config file, or `kernel.use(plugin)`. */
export {
  plugin, schema, TokenExchangeAuthenticator, TokenExchangeClient, TokenExchangeConfig, RENEW_BEFORE_S, type TokenExchangeConfigDict,
} from "./plugin.js";
