-- The webhook URL rules that need no DNS, in the database too: PostgREST exposes
-- api.create_webhook_endpoint / api.update_webhook_endpoint to anyone holding the project's anon
-- key, so the gateway's check (functions/_shared/webhooks/url-policy.ts) alone would not hold.
-- A trigger on app.webhook_endpoints refuses, on every write of a url:
--   - anything but ASCII without spaces, a fragment, credentials, a host that is not a plain
--     name or IP literal, a port outside 1-65535, a scheme other than http(s) (the scheme is
--     stored in lower case, so HTTPS:// is accepted as https://);
--   - plain http, except to loopback in development;
--   - localhost names and every literal address the internet cannot reach, written in any form
--     a URL parser accepts (0x7f.1, 2130706433, 0177.0.0.1, [::ffff:7f00:1], [::ffff:0:7f00:1]),
--     judged against the IANA special-purpose registries (app_private.special_purpose_addresses).
-- Names are not resolved here; the gateway and the dispatcher resolve them.
--
-- Development ("insecure mode"): the database cannot read the gateway's WEBHOOKS_ALLOW_INSECURE,
-- so it has its own switch, off by default, that only the operator can turn:
--   select admin.allow_insecure_webhook_urls(true);   -- http to loopback, no address checks
-- The Node entry turns it on and off with WEBHOOKS_ALLOW_INSECURE on its embedded database,
-- which no other process shares.

-- The IANA IPv4 and IPv6 Special-Purpose Address Registries, plus IPv4 multicast; the same
-- rows as functions/_shared/webhooks/special-purpose-addresses.ts (a test compares them).
-- globally_reachable null = the registry's N/A; only true may be sent to.
create table app_private.special_purpose_addresses (
  block cidr primary key,
  name text not null,
  rfc text not null,
  globally_reachable boolean,
  registry text not null check (registry in ('iana-ipv4-special-registry', 'iana-ipv6-special-registry', 'multicast-addresses'))
);
alter table app_private.special_purpose_addresses enable row level security;

insert into app_private.special_purpose_addresses (block, name, rfc, globally_reachable, registry) values
  ('0.0.0.0/8', '"This network"', 'RFC 791, section 3.2', false, 'iana-ipv4-special-registry'),
  ('0.0.0.0/32', '"This host on this network"', 'RFC 1122, section 3.2.1.3', false, 'iana-ipv4-special-registry'),
  ('10.0.0.0/8', 'Private-Use', 'RFC 1918', false, 'iana-ipv4-special-registry'),
  ('100.64.0.0/10', 'Shared Address Space', 'RFC 6598', false, 'iana-ipv4-special-registry'),
  ('127.0.0.0/8', 'Loopback', 'RFC 1122, section 3.2.1.3', false, 'iana-ipv4-special-registry'),
  ('169.254.0.0/16', 'Link Local', 'RFC 3927', false, 'iana-ipv4-special-registry'),
  ('172.16.0.0/12', 'Private-Use', 'RFC 1918', false, 'iana-ipv4-special-registry'),
  ('192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890, section 2.1', false, 'iana-ipv4-special-registry'),
  ('192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335', false, 'iana-ipv4-special-registry'),
  ('192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600', false, 'iana-ipv4-special-registry'),
  ('192.0.0.9/32', 'Port Control Protocol Anycast', 'RFC 7723', true, 'iana-ipv4-special-registry'),
  ('192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', true, 'iana-ipv4-special-registry'),
  ('192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050 section 2.2', false, 'iana-ipv4-special-registry'),
  ('192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050 section 2.2', false, 'iana-ipv4-special-registry'),
  ('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737', false, 'iana-ipv4-special-registry'),
  ('192.31.196.0/24', 'AS112-v4', 'RFC 7535', true, 'iana-ipv4-special-registry'),
  ('192.52.193.0/24', 'AMT', 'RFC 7450', true, 'iana-ipv4-special-registry'),
  ('192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526', null, 'iana-ipv4-special-registry'),
  ('192.88.99.2/32', '6a44-relay anycast address', 'RFC 6751', false, 'iana-ipv4-special-registry'),
  ('192.168.0.0/16', 'Private-Use', 'RFC 1918', false, 'iana-ipv4-special-registry'),
  ('192.175.48.0/24', 'Direct Delegation AS112 Service', 'RFC 7534', true, 'iana-ipv4-special-registry'),
  ('198.18.0.0/15', 'Benchmarking', 'RFC 2544', false, 'iana-ipv4-special-registry'),
  ('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737', false, 'iana-ipv4-special-registry'),
  ('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737', false, 'iana-ipv4-special-registry'),
  ('240.0.0.0/4', 'Reserved', 'RFC 1112, section 4', false, 'iana-ipv4-special-registry'),
  ('255.255.255.255/32', 'Limited Broadcast', 'RFC 8190, RFC 919 section 7', false, 'iana-ipv4-special-registry'),
  ('224.0.0.0/4', 'Multicast', 'RFC 5771', false, 'multicast-addresses'),
  ('::1/128', 'Loopback Address', 'RFC 4291', false, 'iana-ipv6-special-registry'),
  ('::/128', 'Unspecified Address', 'RFC 4291', false, 'iana-ipv6-special-registry'),
  ('::ffff:0:0/96', 'IPv4-mapped Address', 'RFC 4291', false, 'iana-ipv6-special-registry'),
  ('64:ff9b::/96', 'IPv4-IPv6 Translat.', 'RFC 6052', true, 'iana-ipv6-special-registry'),
  ('64:ff9b:1::/48', 'IPv4-IPv6 Translat.', 'RFC 8215', false, 'iana-ipv6-special-registry'),
  ('100::/64', 'Discard-Only Address Block', 'RFC 6666', false, 'iana-ipv6-special-registry'),
  ('100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780', false, 'iana-ipv6-special-registry'),
  ('2001::/23', 'IETF Protocol Assignments', 'RFC 2928', false, 'iana-ipv6-special-registry'),
  ('2001::/32', 'TEREDO', 'RFC 4380, RFC 8190', null, 'iana-ipv6-special-registry'),
  ('2001:1::1/128', 'Port Control Protocol Anycast', 'RFC 7723', true, 'iana-ipv6-special-registry'),
  ('2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', true, 'iana-ipv6-special-registry'),
  ('2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665', true, 'iana-ipv6-special-registry'),
  ('2001:2::/48', 'Benchmarking', 'RFC 5180, RFC Errata 1752', false, 'iana-ipv6-special-registry'),
  ('2001:3::/32', 'AMT', 'RFC 7450', true, 'iana-ipv6-special-registry'),
  ('2001:4:112::/48', 'AS112-v6', 'RFC 7535', true, 'iana-ipv6-special-registry'),
  ('2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843', null, 'iana-ipv6-special-registry'),
  ('2001:20::/28', 'ORCHIDv2', 'RFC 7343', true, 'iana-ipv6-special-registry'),
  ('2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'RFC 9374', true, 'iana-ipv6-special-registry'),
  ('2001:db8::/32', 'Documentation', 'RFC 3849', false, 'iana-ipv6-special-registry'),
  ('2002::/16', '6to4', 'RFC 3056', null, 'iana-ipv6-special-registry'),
  ('2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'RFC 7534', true, 'iana-ipv6-special-registry'),
  ('3fff::/20', 'Documentation', 'RFC 9637', false, 'iana-ipv6-special-registry'),
  ('5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602', false, 'iana-ipv6-special-registry'),
  ('fc00::/7', 'Unique-Local', 'RFC 4193, RFC 8190', false, 'iana-ipv6-special-registry'),
  ('fe80::/10', 'Link-Local Unicast', 'RFC 4291', false, 'iana-ipv6-special-registry');

-- The operator's development switch (one row at most; no row = off).
create table app_private.webhook_url_settings (
  singleton boolean primary key default true check (singleton),
  allow_insecure boolean not null,
  updated_at timestamptz not null default now()
);
alter table app_private.webhook_url_settings enable row level security;

create function admin.allow_insecure_webhook_urls(allowed boolean) returns void
language sql volatile security definer set search_path = ''
as $$
  insert into app_private.webhook_url_settings (allow_insecure) values (coalesce(allowed, false))
  on conflict (singleton) do update set allow_insecure = excluded.allow_insecure, updated_at = now()
$$;
revoke execute on function admin.allow_insecure_webhook_urls(boolean) from public;
grant execute on function admin.allow_insecure_webhook_urls(boolean) to service_role;

-- Why a literal address may not be sent to (registry name and RFC), or null when it is globally
-- reachable. IPv4-mapped and NAT64 well-known addresses are judged by the IPv4 address they carry.
create function app_private.webhook_address_refusal(address inet) returns text
language plpgsql stable set search_path = ''
as $$
declare
  entry app_private.special_purpose_addresses;
begin
  if family(address) = 6 and (address <<= '::ffff:0:0/96' or address <<= '64:ff9b::/96') then
    return app_private.webhook_address_refusal('0.0.0.0'::inet + (address - network(set_masklen(address, 96))))
           || ', carried in IPv6';
  end if;
  select * into entry from app_private.special_purpose_addresses s
   where address <<= s.block order by masklen(s.block) desc limit 1;
  if found then
    return case when entry.globally_reachable then null else entry.name || ', ' || split_part(entry.rfc, ',', 1) end;
  end if;
  if family(address) = 6 and not address <<= '2000::/3' then
    return 'outside IPv6 global unicast, RFC 4291';
  end if;
  return null;
end;
$$;
revoke execute on function app_private.webhook_address_refusal(inet) from public;

-- A host that ends in a number is an IPv4 address to a URL parser (WHATWG URL, "IPv4 parser"):
-- up to four dot-separated parts, each decimal, octal (leading 0) or hex (0x), the last one
-- filling the remaining bytes. Returns the address, or null when the text is not a valid one.
create function app_private.url_ipv4_address(host text) returns inet
language plpgsql immutable set search_path = ''
as $$
declare
  parts text[] := string_to_array(host, '.');
  part text;
  digits text;
  radix integer;
  value numeric;
  numbers numeric[] := '{}';
  total numeric := 0;
  i integer;
begin
  if cardinality(parts) > 1 and parts[cardinality(parts)] = '' then
    parts := parts[1:cardinality(parts) - 1];
  end if;
  if cardinality(parts) > 4 then
    return null;
  end if;
  foreach part in array parts loop
    if part = '' then
      return null;
    end if;
    if part ~* '^0x' then
      radix := 16; digits := lower(substr(part, 3));
    elsif length(part) > 1 and part like '0%' then
      radix := 8; digits := substr(part, 2);
    else
      radix := 10; digits := part;
    end if;
    if (radix = 16 and digits !~ '^[0-9a-f]*$') or (radix = 8 and digits !~ '^[0-7]*$') or (radix = 10 and digits !~ '^[0-9]+$') then
      return null;
    end if;
    value := 0;
    for i in 1 .. length(digits) loop
      value := value * radix + position(substr(digits, i, 1) in '0123456789abcdef') - 1;
      if value >= 4294967296 then
        return null;
      end if;
    end loop;
    numbers := numbers || value;
  end loop;
  for i in 1 .. cardinality(numbers) - 1 loop
    if numbers[i] > 255 then
      return null;
    end if;
    total := total + numbers[i] * 256 ^ (4 - i);
  end loop;
  if numbers[cardinality(numbers)] >= 256 ^ (5 - cardinality(numbers)) then
    return null;
  end if;
  return '0.0.0.0'::inet + (total + numbers[cardinality(numbers)])::bigint;
end;
$$;
revoke execute on function app_private.url_ipv4_address(text) from public;

-- The rules, in the order the gateway applies them; null when `url` may be stored.
create function app_private.webhook_url_problem(url text, allow_insecure boolean) returns text
language plpgsql stable set search_path = ''
as $$
declare
  in_development constant text :=
    'WEBHOOKS_ALLOW_INSECURE=1 and, in the database, select admin.allow_insecure_webhook_urls(true) allow it in development';
  https_only constant text :=
    format('url must use https (plain http only to localhost, and only in development: %s).', in_development);
  parts text[];
  scheme text;
  authority text;
  host text;
  port text;
  labels text[];
  address inet;
  refusal text;
begin
  if char_length(url) > 2048 then
    return 'url must be at most 2048 characters.';
  end if;
  if url ~ '[^\x21-\x7e]' then
    return 'url must be ASCII without spaces: percent-encode other characters, and write an internationalised domain name in its xn-- form.';
  end if;
  if strpos(url, '#') > 0 then
    return 'url must not contain a fragment.';
  end if;
  parts := regexp_match(url, '^(https?)://([^/?]*)([/?].*)?$', 'i');
  if parts is null then
    if url ~* '^[a-z][a-z0-9+.-]*:' and url !~* '^https?:' then
      return https_only;
    end if;
    return 'url must be an absolute URL (https://host/path).';
  end if;
  scheme := lower(parts[1]);
  authority := parts[2];
  if strpos(authority, '@') > 0 then
    return 'url must not contain credentials; the signature authenticates each request.';
  end if;
  parts := regexp_match(authority, '^([a-z0-9._-]+|\[[0-9a-f:.]+\])(?::([0-9]*))?$', 'i');
  if parts is null then
    return 'url''s host must be a domain name (letters, digits, ''-'', ''.'', ''_'') or an IP address, optionally with :port.';
  end if;
  host := lower(parts[1]);
  port := parts[2];
  if port <> '' and not port::numeric between 1 and 65535 then
    return 'url''s port must be between 1 and 65535.';
  end if;

  -- What the host is to a URL parser: an IPv6 literal, an IPv4 address, or a name.
  if host like '[%' then
    begin
      -- inet's parser is laxer than a URL parser about an embedded IPv4 part (::ffff:1.2.3).
      address := case when substr(host, 2, length(host) - 2) ~ '^([0-9a-f]{0,4}:)+([0-9a-f]{0,4}|[0-9]{1,3}(\.[0-9]{1,3}){3})$'
                      then substr(host, 2, length(host) - 2)::inet end;
    exception when invalid_text_representation then
      address := null;
    end;
    if address is null or family(address) <> 6 then
      return 'url''s host is neither a valid domain name nor a valid IP address.';
    end if;
  else
    -- WHATWG's "ends in a number": the last label, after dropping one empty one, is digits or hex.
    labels := string_to_array(host, '.');
    if cardinality(labels) > 1 and labels[cardinality(labels)] = '' then
      labels := labels[1:cardinality(labels) - 1];
    end if;
    if labels[cardinality(labels)] ~ '^([0-9]+|0x[0-9a-f]*)$' then
      address := app_private.url_ipv4_address(host);
      if address is null then
        return 'url''s host is neither a valid domain name nor a valid IP address.';
      end if;
    end if;
  end if;

  if scheme = 'http' and not (allow_insecure and (host in ('localhost', 'localhost.')
                                                  or coalesce(address <<= '127.0.0.0/8' or address = '::1', false))) then
    return https_only;
  end if;
  if allow_insecure then
    return null;
  end if;
  if address is null and host ~ '^(.*\.)?localhost\.?$' then
    return format('url must not point at this machine (localhost); %s.', in_development);
  end if;
  if address is not null then
    refusal := app_private.webhook_address_refusal(address);
    if refusal is not null then
      return format('url must not point at a non-public address (%s: %s); %s.', host(address), refusal, in_development);
    end if;
  end if;
  return null;
end;
$$;
revoke execute on function app_private.webhook_url_problem(text, boolean) from public;

create function app_private.insecure_webhook_urls_allowed() returns boolean
language sql stable set search_path = ''
as $$ select coalesce((select s.allow_insecure from app_private.webhook_url_settings s), false) $$;
revoke execute on function app_private.insecure_webhook_urls_allowed() from public;

-- On every insert, and every update that changes the url (an endpoint stored before these rules
-- can still be disabled, renamed or deleted), whoever writes: refuse a url the rules forbid as
-- invalid_field on `url`, and store the scheme in lower case.
create function app_private.check_webhook_endpoint_url() returns trigger
language plpgsql volatile security definer set search_path = ''
as $$
declare
  problem text;
begin
  if tg_op = 'UPDATE' and new.url is not distinct from old.url then
    return new;
  end if;
  problem := app_private.webhook_url_problem(new.url, app_private.insecure_webhook_urls_allowed());
  if problem is not null then
    perform app_private.raise_invalid('invalid_field', 'url', problem);
  end if;
  new.url := lower(split_part(new.url, ':', 1)) || substr(new.url, strpos(new.url, ':'));
  return new;
end;
$$;
revoke execute on function app_private.check_webhook_endpoint_url() from public;

create trigger check_webhook_endpoint_url
  before insert or update of url on app.webhook_endpoints
  for each row execute function app_private.check_webhook_endpoint_url();
