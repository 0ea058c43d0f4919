-- Facet bitmaps (decision 0020, "Speed"): for each (facet name, value) of
-- product_facets, one bit string whose bit i is set when product i has that
-- value. Filters and facet counts AND these strings and count their bits
-- (bit_count), so a count over 100,000 products costs microseconds instead of
-- a scan of the matching product_facets rows. Every row has the same length
-- (a multiple of 8192 bits above the highest product id; a write that needs
-- more lengthens them all). products.queries.ts keeps them in step with
-- product_facets in the transaction of every write (syncProductFacets).
create table product_facet_bits (
  name text not null,
  value text not null,
  bits bit varying not null,
  primary key (name, value)
);

-- The catalog as it is: each (name, value)'s product ids, four to a hex digit,
-- runs of empty digits written as zeros.
insert into product_facet_bits (name, value, bits)
select s.name, s.value,
  ('x' || string_agg(repeat('0', s.k - coalesce(s.prev, -1) - 1) || to_hex(s.v), '' order by s.k)
    || repeat('0', (select (max(product_id) / 8192 + 1) * 8192 / 4 from product_facets)::int - 1 - max(s.k)))::varbit
from (
  select n.name, n.value, n.k, n.v, lag(n.k) over (partition by n.name, n.value order by n.k) as prev
  from (
    select name, value, (product_id / 4)::int as k, sum(8 >> (product_id % 4)::int)::int as v
    from product_facets group by name, value, (product_id / 4)::int
  ) n
) s
group by s.name, s.value;
