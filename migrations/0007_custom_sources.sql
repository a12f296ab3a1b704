-- Custom sources: connections that only push signed webhooks (Standard Webhooks scheme) into Tradeport.
ALTER TABLE connections DROP CONSTRAINT connections_provider_check;
ALTER TABLE connections ADD CONSTRAINT connections_provider_check
  CHECK (provider IN ('shopify', 'woocommerce', 'g2a', 'fedex', 'dhl', 'amazon_ads', 'custom'));
