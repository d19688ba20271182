--- "Did you mean": the nearest names by edit distance.
local suggest = {}

local function distance(a, b)
  if a == b then return 0 end
  local la, lb = #a, #b
  local prev, cur = {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    cur[0] = i
    local ca = a:byte(i)
    for j = 1, lb do
      local cost = (ca == b:byte(j)) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev, cur = cur, prev
  end
  return prev[lb]
end
suggest.distance = distance

--- Up to `limit` (default 3) names close to `name`: small edit distance, or a shared prefix.
function suggest.nearest(name, names, limit)
  local scored = {}
  local lname = name:lower()
  for _, n in ipairs(names) do
    local d = distance(lname, n:lower())
    local threshold = math.max(2, #name // 3)
    if d <= threshold or n:lower():find(lname, 1, true) or lname:find(n:lower(), 1, true) then
      scored[#scored + 1] = { n = n, d = d }
    end
  end
  table.sort(scored, function(x, y) if x.d ~= y.d then return x.d < y.d end return x.n < y.n end)
  local out = {}
  for i = 1, math.min(limit or 3, #scored) do out[i] = scored[i].n end
  return out
end

return suggest
