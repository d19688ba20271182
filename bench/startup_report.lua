-- Prints the start-up figures from hyperfine's JSON export (arg[1]) and the peak KB (arg[2]).
local r = json.decode(assert(tarn.read_file(arg[1]))).results
local v, e, l = r[1].median, r[2].median, r[3].median
print(string.format("start-up (median of 30):   tarn --version %.2f ms, tarn -e '' %.2f ms, lua5.4 -e '' %.2f ms",
  v * 1e3, e * 1e3, l * 1e3))
print(string.format("start-up ratio:            --version %.1fx, -e '' %.1fx of lua5.4 (target <= 5x)", v / l, e / l))
print(string.format("peak memory of tarn -e '': %.1f MB (target <= 10 MB)", tonumber(arg[2]) / 1024))
