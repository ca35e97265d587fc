-- drcon's side of `drcon lb -upstreams live`, run by Nginx's Lua module (conf.d/live.conf, written
-- by drcon, loads it). Membership changes reach the workers without a reload:
--
--   * drcon sends the peer lists of every upstream to a control server that listens only on a unix
--     socket in a directory of drcon's own, and only with the secret drcon wrote beside it;
--   * the lists live in a shared dict, which every worker sees and which survives reloads;
--   * on start and on every reload the master loads the lists drcon last wrote to a file, before
--     any worker serves;
--   * each request picks a peer in balancer_by_lua, by Nginx's own smooth weighted round robin
--     (per worker, as an upstream without a zone); a retry picks among the peers it has not
--     tried yet;
--   * a peer that fails a try is left out of that worker's picks for 10 s, as Nginx's own
--     upstreams do by default (max_fails=1 fail_timeout=10s).
--
-- A first try keeps no state of the request: no ngx.ctx, no log phase. Least connections would
-- need both (a count to release when the request ends), and they were most of what the live
-- balancer cost the workers per request; a retry learns what it needs from $upstream_addr.
--
-- A list document, one item a line (drcon checks every value before it sends it; the patterns
-- below only keep a broken document from half-replacing a good one):
--   generation N                 a newer document has a larger N; an older one is refused
--   upstream NAME SERVICE        NAME an Nginx identifier, SERVICE percent-encoded
--   peer ADDRESS PORT WEIGHT     an IP address, 1-65535, 1-65535

local balancer = require "ngx.balancer"

local M = {}

local dict = ngx.shared.drcon_peers
local prefix = ngx.config.prefix()
local peers_file = prefix .. "live/peers.txt"
local secret_file = prefix .. "live/secret"
local secret

local function read_file(path)
  local file, err = io.open(path, "rb")
  if not file then return nil, err end
  local text = file:read("*a")
  file:close()
  return text
end

-- Returns the document as { generation = N, upstreams = { NAME = "SERVICE\nADDRESS PORT WEIGHT\n..." } },
-- or nil and what is wrong with it (its line number).
local function parse(text)
  if type(text) ~= "string" or text == "" then return nil, "empty document" end
  local generation
  local upstreams = {}
  local current
  local number = 0
  for line in string.gmatch(text, "([^\n]*)\n") do
    number = number + 1
    local value = line:match("^generation (%d+)$")
    if value and number == 1 then
      generation = tonumber(value)
    else
      local name, service = line:match("^upstream ([%a_][%w_]*) ([%w%%%-%._~!'()*]*)$")
      if name and generation and not upstreams[name] then
        current = { service }
        upstreams[name] = current
      else
        local address, port, weight = line:match("^peer ([%x:%.]+) (%d+) (%d+)$")
        port, weight = tonumber(port or 0), tonumber(weight or 0)
        if not (address and current and port >= 1 and port <= 65535 and weight >= 1 and weight <= 65535) then
          return nil, "line " .. number .. " is not a list item: " .. line:sub(1, 80)
        end
        current[#current + 1] = address .. " " .. port .. " " .. weight
      end
    end
  end
  if not generation then return nil, "no generation line" end
  if not text:find("\n$") then return nil, "the last line is not complete" end
  local joined = {}
  for name, items in pairs(upstreams) do joined[name] = table.concat(items, "\n") end
  return { generation = generation, upstreams = joined }
end

-- Puts a document in the shared dict unless a newer one is there; removes upstreams it lacks.
-- The same generation again is already there (the master loaded it from the file at a reload).
local function store(document)
  local stored = dict:get("generation")
  if stored == document.generation then return true end
  if stored and stored > document.generation then
    return nil, "generation " .. document.generation .. " is older than " .. stored
  end
  for name, list in pairs(document.upstreams) do
    -- safe_set: a full dict is an error here, never a silent eviction of another upstream's list.
    local ok, err = dict:safe_set("u:" .. name, list)
    if not ok then return nil, "cannot keep the list of " .. name .. ": " .. err end
  end
  for _, key in ipairs(dict:get_keys(0)) do
    if key:sub(1, 2) == "u:" and document.upstreams[key:sub(3)] == nil then dict:delete(key) end
  end
  dict:set("generation", document.generation)
  return true
end

-- Master, on start and on every reload (and in `nginx -t`): the secret, and the lists drcon last
-- wrote, so that workers never start without them.
function M.init()
  secret = read_file(secret_file)
  if not secret or #secret < 32 then error("drcon live upstreams: cannot read the secret in " .. secret_file) end
  local text = read_file(peers_file)
  if not text then return end -- drcon writes it before Nginx starts; only `nginx -t` may come first
  local document, err = parse(text)
  if not document then
    ngx.log(ngx.ERR, "drcon live upstreams: ", peers_file, ": ", err)
    return
  end
  store(document) -- refused when the dict already holds newer lists (a reload): nothing to do
end

local function answer(status, text)
  ngx.status = status
  ngx.header["Content-Type"] = "text/plain"
  ngx.say(text)
  return ngx.exit(status)
end

-- The control server's only location: PUT a document with the secret in X-Drcon-Secret.
function M.update()
  if ngx.var.http_x_drcon_secret ~= secret then return answer(403, "forbidden") end
  if ngx.req.get_method() ~= "PUT" then return answer(405, "PUT a peer list document") end
  ngx.req.read_body()
  local document, err = parse(ngx.req.get_body_data())
  if not document then return answer(400, "peer lists refused: " .. err) end
  local ok, store_err = store(document)
  if not ok then return answer(409, "peer lists refused: " .. store_err) end
  return answer(200, "generation " .. document.generation)
end

-- Each worker keeps the parsed list of an upstream, with its round-robin state, until the text
-- in the dict changes. Per request it asks the dict only for the generation, a number: a list's
-- text is read again (copied out of the dict) once a new generation is there, not per request.
local lists = {}
-- The generation the lists were last checked against, and the upstreams checked since.
local checked_generation
local checked = {}

-- An address as set_current_peer takes it (an IPv6 one in brackets, as in a `server` line).
local function host_of(address)
  if address:find(":", 1, true) then return "[" .. address .. "]" end
  return address
end

-- A list of new text keeps what this worker knows of the peers still in it: their place in the
-- round robin, and when each may be picked again after a failure (a failed instance stays out
-- though another one joins).
local function parse_list(text, previous)
  local service, rest = text:match("^([^\n]*)\n?(.*)$")
  local list = { text = text, service = ngx.unescape_uri(service), peers = {}, by_name = {} }
  local known = previous and previous.by_name or {}
  for address, port, weight in rest:gmatch("(%S+) (%d+) (%d+)") do
    -- The name Nginx gives the peer in $upstream_addr.
    local host = host_of(address)
    local name = host .. ":" .. port
    local before = known[name]
    local peer = {
      host = host, port = tonumber(port), weight = tonumber(weight), name = name,
      current = before and before.current or 0, failed_until = before and before.failed_until or 0,
    }
    list.peers[#list.peers + 1] = peer
    list.by_name[name] = peer
  end
  return list
end

local function list_of(name)
  -- store() writes the lists before the generation: a worker that sees a new one finds them.
  local generation = dict:get("generation")
  if generation ~= checked_generation then
    checked_generation = generation
    checked = {}
  end
  if checked[name] then return lists[name] end
  checked[name] = true
  local text = dict:get("u:" .. name)
  local list = lists[name]
  if text == nil then
    list = nil
  elseif not (list and list.text == text) then
    list = parse_list(text, list)
  end
  lists[name] = list
  return list
end

-- How long a peer that failed a try is left out of this worker's picks, in seconds.
local fail_timeout = 10

-- Nginx's smooth weighted round robin among the peers this request has not tried (`tried`, by
-- name; nil for none) and that did not fail lately (`now`; math.huge counts no failure).
local function pick(list, tried, now)
  local best
  local total = 0
  for _, peer in ipairs(list.peers) do
    if not (tried and tried[peer.name]) and peer.failed_until <= now then
      peer.current = peer.current + peer.weight
      total = total + peer.weight
      if not best or peer.current > best.current then best = peer end
    end
  end
  if best then best.current = best.current - total end
  return best
end

-- A peer by the rules above; when every one left has failed lately, one of them all the same
-- (Nginx would answer 502 "no live upstreams": a peer that may have recovered is the better bet).
local function choose(list, tried, now)
  return pick(list, tried, now) or pick(list, tried, math.huge)
end

-- On a retry, the peers tried so far and the last of them, from $upstream_addr ("A:P, B:P, "
-- while a try is being chosen: only entries with a port are peers).
local function tried_so_far()
  local tried, last = {}, nil
  for name in (ngx.var.upstream_addr or ""):gmatch("[^,%s]+:%d+") do
    tried[name] = true
    last = name
  end
  return tried, last
end

-- balancer_by_lua of upstream NAME. The retries themselves (on which failures, how many, how long)
-- are the location's proxy_next_upstream settings.
function M.balance(name)
  local list = list_of(name)
  -- No peer: Nginx fails the request with a 500 of its own (whatever the status given here),
  -- which the location's error_page turns into the 503 naming the service. Not logged: an
  -- upstream without instances is a state of the catalog, as in reload mode.
  if not list or #list.peers == 0 then return ngx.exit(ngx.ERROR) end
  local now = ngx.now()
  local peer
  local failure = balancer.get_last_failure()
  if not failure then
    -- The upstream's one placeholder server gives one try: one more for each other peer.
    if #list.peers > 1 then balancer.set_more_tries(#list.peers - 1) end
    peer = choose(list, nil, now)
  else
    local tried, last = tried_so_far()
    -- "failed" is a connection error, a timeout, or a 502 or 503 answer; "next" (a 403 or 404
    -- that proxy_next_upstream asked to retry) is no failure of the peer. A peer alone is never
    -- left out, as in Nginx.
    if failure == "failed" and #list.peers > 1 and last and list.by_name[last] then
      list.by_name[last].failed_until = now + fail_timeout
    end
    -- The list may have changed between two tries of a request: then every peer may be new.
    peer = choose(list, tried, now) or choose(list, nil, now)
  end
  local ok, err = balancer.set_current_peer(peer.host, peer.port)
  if not ok then
    ngx.log(ngx.ERR, "drcon live upstreams: cannot use ", peer.name, " for ", name, ": ", err)
    return ngx.exit(ngx.ERROR)
  end
end

return M
