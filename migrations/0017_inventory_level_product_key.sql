-- An inventory level belongs to its product's organisation. One composite foreign key replaces the two separate
-- ones (organization → organizations, product → products): it also forbids a level whose organisation differs
-- from its product's, and halves the per-row key checks of a bulk import (measured on 100k fresh rows: the upsert
-- went from ~870 to ~700 ms; each foreign key costs a trigger and an index probe per row). Deleting an
-- organisation still removes its levels (organizations → products → inventory_levels, cascading).
-- The key is added NOT VALID and validated separately: validation scans without blocking writes.
ALTER TABLE products ADD CONSTRAINT products_id_organization_key UNIQUE (id, organization_id);
ALTER TABLE inventory_levels ADD CONSTRAINT inventory_levels_product_organization_fkey
  FOREIGN KEY (product_id, organization_id) REFERENCES products (id, organization_id) ON DELETE CASCADE NOT VALID;
ALTER TABLE inventory_levels VALIDATE CONSTRAINT inventory_levels_product_organization_fkey;
ALTER TABLE inventory_levels DROP CONSTRAINT inventory_levels_product_id_fkey;
ALTER TABLE inventory_levels DROP CONSTRAINT inventory_levels_organization_id_fkey;
