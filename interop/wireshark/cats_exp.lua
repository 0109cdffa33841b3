-- cats_exp.lua - Wireshark/tshark postdissector for the catsd CATS-EXP v1
-- BGP path attribute (docs: CATS-BGP-ENCODINGS.md B.3, error rules E20-E27).
--
-- Wireshark 4.0 has no dissector table for BGP path attributes, so this runs
-- after the built-in BGP dissector and decodes the bytes it labelled
-- "Unknown Path attributes" when the preceding type code is ours.
--
-- Load:   tshark -X lua_script:cats_exp.lua -r capture.pcap
-- Type:   tshark -X lua_script:cats_exp.lua -X lua_script1:type=254 ...
--         (or cats_exp.type=254; or the preference -o cats_exp.type:254)
-- Written for Lua 5.2 (Wireshark 4.0); no bit32, no integer operators, so it
-- also runs on Lua 5.4 builds.

local DEFAULT_TYPE = 255

-- Script arguments arrive as varargs of the main chunk.
local function type_from_args(args)
    for _, a in ipairs(args) do
        local v = a:match("^cats_exp%.type=(%d+)$") or a:match("^type=(%d+)$")
        if v then
            v = tonumber(v)
            if v < 1 or v > 255 then
                error("cats_exp.lua: type must be 1..255, got " .. a)
            end
            return v
        end
    end
    return DEFAULT_TYPE
end

local cats = Proto("cats_exp", "CATS-EXP v1 BGP Path Attribute")

------------------------------------------------------------------------
-- Code tables (B.3.2, B.3.3)
------------------------------------------------------------------------
local TLV_NAMES = {
    [0] = "Reserved", [1] = "CS-ID", [2] = "Site Metrics",
    [3] = "Contact Instance", [4] = "Metric Control", [255] = "Reserved",
}
local ID_TYPES = {
    [1] = "IPv4 address", [2] = "IPv6 address",
    [3] = "32-bit opaque", [4] = "128-bit opaque",
}
local ID_LEN = { [1] = 4, [2] = 16, [3] = 4, [4] = 16 }
local METRIC_NAMES = {
    [1] = "norm_fi", [2] = "compute_norm", [3] = "communication_norm",
    [4] = "service_norm", [5] = "composed_norm", [6] = "storage_norm",
    [16] = "compute_CPU_frequency", [17] = "compute_CPU_utilisation",
    [18] = "compute_GPU_utilisation", [19] = "compute_memory_utilisation",
    [20] = "communication_TxBytes", [21] = "communication_RxBytes",
    [22] = "delay_raw", [23] = "active_client_count",
}
-- Level each registered metric type is defined at; used only for a hint.
local METRIC_LEVEL = { [1] = 2, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1 }
for t = 16, 23 do METRIC_LEVEL[t] = 0 end

local LEVELS = { [0] = "L0 raw", [1] = "L1 category score",
                 [2] = "L2 single score", [3] = "invalid" }
local FORMATS = { [0] = "unsigned integer", [1] = "IEEE-754 float" }
local UNITS = {
    [0] = "none", [1] = "MHz", [2] = "GHz", [3] = "byte", [4] = "kilobyte",
    [5] = "megabyte", [6] = "gigabyte", [7] = "bit/s", [8] = "kbit/s",
    [9] = "Mbit/s", [10] = "Gbit/s", [11] = "Tbit/s", [12] = "TFLOPS",
    [13] = "microsecond", [14] = "percent", [15] = "reserved",
}
local SOURCES = {
    [0] = "unspecified", [1] = "nominal", [2] = "estimation",
    [3] = "directly measured", [4] = "normalisation", [5] = "aggregation",
    [6] = "reserved", [7] = "reserved",
}
local STATS = { [0] = "current", [1] = "mean", [2] = "max", [3] = "min" }

------------------------------------------------------------------------
-- Fields and expert items
------------------------------------------------------------------------
local F = {
    version    = ProtoField.uint8("cats_exp.version", "Version"),
    drain      = ProtoField.bool("cats_exp.drain", "Drain", 8, nil, 0x80),
    tlv_type   = ProtoField.uint8("cats_exp.tlv.type", "TLV Type", base.DEC, TLV_NAMES),
    tlv_length = ProtoField.uint16("cats_exp.tlv.length", "TLV Length"),
    tlv_value  = ProtoField.bytes("cats_exp.tlv.value", "TLV Value"),
    id_type    = ProtoField.uint8("cats_exp.id_type", "ID-Type", base.DEC, ID_TYPES),
    csid       = ProtoField.string("cats_exp.csid", "CS-ID"),
    csci       = ProtoField.string("cats_exp.csci", "CSCI-ID"),
    seq        = ProtoField.uint32("cats_exp.seq", "Sequence Number"),
    interval   = ProtoField.uint16("cats_exp.interval", "Interval (s)"),
    profile    = ProtoField.uint16("cats_exp.profile", "Profile ID"),
    m_type     = ProtoField.uint8("cats_exp.metric.type", "Metric Type", base.DEC, METRIC_NAMES),
    m_length   = ProtoField.uint8("cats_exp.metric.length", "Metric Length"),
    m_desc     = ProtoField.uint16("cats_exp.metric.descriptor", "Descriptor", base.HEX),
    m_level    = ProtoField.uint16("cats_exp.metric.level", "Level", base.DEC, LEVELS, 0xC000),
    m_format   = ProtoField.uint16("cats_exp.metric.format", "Format", base.DEC, FORMATS, 0x2000),
    m_unit     = ProtoField.uint16("cats_exp.metric.unit", "Unit", base.DEC, UNITS, 0x1E00),
    m_source   = ProtoField.uint16("cats_exp.metric.source", "Source", base.DEC, SOURCES, 0x01C0),
    m_stats    = ProtoField.uint16("cats_exp.metric.stats", "Statistics", base.DEC, STATS, 0x0030),
    m_rsvd     = ProtoField.uint16("cats_exp.metric.reserved", "Reserved", base.HEX, nil, 0x000F),
    -- One numeric field for uint and float values so filters like
    -- "cats_exp.metric.value > 5" work for both.
    m_value    = ProtoField.double("cats_exp.metric.value", "Value"),
    m_raw      = ProtoField.bytes("cats_exp.metric.raw", "Undecoded value"),
    l2         = ProtoField.uint8("cats_exp.l2", "Site L2 norm_fi"),
    ci_score   = ProtoField.uint8("cats_exp.csci_score", "Contact instance score"),
    site_score = ProtoField.uint8("cats_exp.site_score", "Effective site score S"),
}
cats.fields = {}
for _, f in pairs(F) do table.insert(cats.fields, f) end

local E = {
    framing  = ProtoExpert.new("cats_exp.framing", "CATS-EXP framing error",
                               expert.group.MALFORMED, expert.severity.ERROR),
    semantic = ProtoExpert.new("cats_exp.semantic", "CATS-EXP metric ignored",
                               expert.group.PROTOCOL, expert.severity.WARN),
    ignored  = ProtoExpert.new("cats_exp.ignored", "CATS-EXP TLV ignored",
                               expert.group.PROTOCOL, expert.severity.WARN),
    unknown  = ProtoExpert.new("cats_exp.unknown", "CATS-EXP unknown item skipped",
                               expert.group.UNDECODED, expert.severity.NOTE),
    version  = ProtoExpert.new("cats_exp.unknown_version", "CATS-EXP version not 1",
                               expert.group.PROTOCOL, expert.severity.NOTE),
}
cats.experts = { E.framing, E.semantic, E.ignored, E.unknown, E.version }

cats.prefs.type = Pref.uint("Attribute type code", type_from_args({...}),
    "BGP path attribute type carrying CATS-EXP (both peers must agree)")

local f_type_code = Field.new("bgp.update.path_attribute.type_code")
local f_unknown   = Field.new("bgp.update.path_attributes.unknown")
local f_marker    = Field.new("bgp.marker")

------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------
-- Arithmetic instead of bit ops: Lua 5.2 has no operators, 5.4 has no bit32.
local function bits(v, shift, width)
    return math.floor((v / 2 ^ shift) % 2 ^ width)
end

local function ipv4_str(r)
    return string.format("%d.%d.%d.%d", r(0, 1):uint(), r(1, 1):uint(),
                         r(2, 1):uint(), r(3, 1):uint())
end

-- RFC 5952 text form; done by hand because Address tostring may resolve names.
local function ipv6_str(r)
    local g = {}
    for i = 0, 7 do g[i + 1] = r(i * 2, 2):uint() end
    local best_s, best_l, cur_s, cur_l = 0, 0, 0, 0
    for i = 1, 8 do
        if g[i] == 0 then
            if cur_l == 0 then cur_s = i end
            cur_l = cur_l + 1
            if cur_l > best_l then best_s, best_l = cur_s, cur_l end
        else
            cur_l = 0
        end
    end
    local function hex(from, to)
        local t = {}
        for i = from, to do t[#t + 1] = string.format("%x", g[i]) end
        return table.concat(t, ":")
    end
    if best_l < 2 then return hex(1, 8) end
    return hex(1, best_s - 1) .. "::" .. hex(best_s + best_l, 8)
end

local function hex_str(r)
    local t = {}
    for i = 0, r:len() - 1 do t[#t + 1] = string.format("%02x", r(i, 1):uint()) end
    return table.concat(t)
end

local function id_str(id_type, r)
    if id_type == 1 then return ipv4_str(r)
    elseif id_type == 2 then return ipv6_str(r)
    elseif id_type == 3 then return tostring(r:uint())
    else return hex_str(r) end
end

-- Round a double to the nearest binary32 value (no string.pack in Lua 5.2).
local function to_f32(x)
    if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x end
    local a = math.abs(x)
    local e = math.floor(math.log(a, 2))
    if 2 ^ e > a then e = e - 1 elseif 2 ^ (e + 1) <= a then e = e + 1 end
    if e < -126 then e = -126 end
    local q = 2 ^ (e - 23)
    local r = math.floor(a / q + 0.5) * q
    return x < 0 and -r or r
end

-- Shortest decimal that maps back to the same float32, so 0x400ccccd reads 2.2.
local function short_f32(x)
    if x ~= x then return x, "nan" end
    if x == math.huge or x == -math.huge then return x, (x > 0 and "inf" or "-inf") end
    for p = 6, 9 do
        local s = string.format("%." .. p .. "g", x)
        if to_f32(tonumber(s)) == x then return tonumber(s), s end
    end
    return x, string.format("%.9g", x)
end

------------------------------------------------------------------------
-- Metric sub-TLVs (B.3.3). Returns the set's score (nil if unknown) and
-- false on a framing error (E23).
------------------------------------------------------------------------
local function decode_metrics(tree, r, off, stop, is_site)
    local l2, l1min
    while off < stop do
        if stop - off < 2 then
            tree:add_tvb_expert_info(E.framing, r(off, stop - off),
                "Truncated metric sub-TLV header (E23)")
            return nil, false
        end
        local mtype, mlen = r(off, 1):uint(), r(off + 1, 1):uint()
        -- Length counts the descriptor and value, not the type/length octets.
        if mlen < 2 then
            tree:add_tvb_expert_info(E.framing, r(off, 2),
                "Metric sub-TLV length " .. mlen .. " < 2 (E23)")
            return nil, false
        end
        if off + 2 + mlen > stop then
            tree:add_tvb_expert_info(E.framing, r(off, stop - off),
                string.format("Metric sub-TLV length %d overruns its TLV (%d left) (E23)",
                              mlen, stop - off - 2))
            return nil, false
        end

        local mr = r(off, 2 + mlen)
        local name = METRIC_NAMES[mtype] or "unknown"
        local mt = tree:add(mr, string.format("Metric: %s (%d)", name, mtype))
        mt:add(F.m_type, r(off, 1))
        mt:add(F.m_length, r(off + 1, 1))
        local dr = r(off + 2, 2)
        local desc = dr:uint()
        local dt = mt:add(F.m_desc, dr)
        dt:add(F.m_level, dr); dt:add(F.m_format, dr); dt:add(F.m_unit, dr)
        dt:add(F.m_source, dr); dt:add(F.m_stats, dr); dt:add(F.m_rsvd, dr)
        local lvl, fmt = bits(desc, 14, 2), bits(desc, 13, 1)
        local unit, src = bits(desc, 9, 4), bits(desc, 6, 3)

        local vlen = mlen - 2
        local value, vtext
        if vlen > 0 then
            local vr = r(off + 4, vlen)
            if fmt == 1 and vlen == 4 then
                value, vtext = short_f32(vr:float())
            elseif fmt == 1 and vlen == 8 then
                value = vr:float(); vtext = string.format("%.17g", value)
            elseif fmt == 0 and vlen <= 4 then
                value = vr:uint(); vtext = tostring(value)
            elseif fmt == 0 and vlen <= 8 then
                local u64 = vr:uint64()
                value, vtext = u64:tonumber(), tostring(u64)
            end
            if value ~= nil then
                local unit_txt = (unit ~= 0 and UNITS[unit]) and (" " .. UNITS[unit]) or ""
                mt:add(F.m_value, vr, value, "Value: " .. vtext .. unit_txt)
            else
                mt:add(F.m_raw, vr)
            end
        end

        -- E27: these make the metric "not reported"; they are not framing errors.
        local problems = {}
        if lvl == 3 then problems[#problems + 1] = "Lvl 3 (invalid)" end
        if lvl == 1 or lvl == 2 then
            if fmt == 1 then problems[#problems + 1] = "L1/L2 with float format" end
            if vlen ~= 1 then problems[#problems + 1] = "L1/L2 value length " .. vlen .. " (must be 1)" end
            if fmt == 0 and vlen == 1 and value > 10 then
                problems[#problems + 1] = "L" .. lvl .. " value " .. value .. " > 10"
            end
        end
        if fmt == 1 and vlen ~= 4 and vlen ~= 8 then
            problems[#problems + 1] = "float value length " .. vlen .. " (must be 4 or 8)"
        end
        if fmt == 0 and vlen ~= 1 and vlen ~= 2 and vlen ~= 4 and vlen ~= 8 then
            problems[#problems + 1] = "integer value length " .. vlen .. " (must be 1, 2, 4 or 8)"
        end
        if unit == 15 then problems[#problems + 1] = "unit 15 (reserved)" end
        if src >= 6 then problems[#problems + 1] = "source " .. src .. " (reserved)" end

        if #problems > 0 then
            mt:add_tvb_expert_info(E.semantic, mr,
                "Metric ignored: " .. table.concat(problems, "; ") .. " (E27)")
            mt:append_text(" [ignored]")
        elseif METRIC_NAMES[mtype] == nil then
            mt:add_tvb_expert_info(E.unknown, mr, "Unknown metric type " .. mtype .. " skipped (E24)")
        else
            if METRIC_LEVEL[mtype] ~= lvl then
                mt:add_tvb_expert_info(E.semantic, mr, string.format(
                    "%s is defined at L%d but sent as L%d; not used for the score",
                    name, METRIC_LEVEL[mtype], lvl))
            elseif mtype == 1 then
                if l2 == nil then
                    l2 = value
                    if is_site then mt:add(F.l2, r(off + 4, 1)) end
                end
            elseif mtype >= 2 and mtype <= 6 then
                if l1min == nil or value < l1min then l1min = value end
            end
            if value ~= nil then mt:append_text(" = " .. (vtext or "")) end
        end
        off = off + 2 + mlen
    end
    if l2 ~= nil then return l2, true end
    return l1min, true
end

------------------------------------------------------------------------
-- One attribute value. Returns a summary for the Info column.
------------------------------------------------------------------------
local function decode_value(root, r)
    local res = { ok = true }
    local len = r:len()
    if len < 4 then
        root:add_tvb_expert_info(E.framing, r,
            "Attribute value " .. len .. " octets, minimum is 4 (E21)")
        res.ok = false
        return res
    end
    res.version = r(0, 1):uint()
    root:add(F.version, r(0, 1))
    root:add(F.drain, r(1, 1))
    res.drain = bits(r(1, 1):uint(), 7, 1) == 1
    if res.version ~= 1 then
        root:add_tvb_expert_info(E.version, r(0, 1),
            "Version " .. res.version .. ": no CATS semantics, forwarded unchanged (E22)")
        if len > 4 then root:add(F.tlv_value, r(4, len - 4)) end
        return res
    end

    local seen = {}
    local site_score, best_ci
    local off = 4
    while off < len do
        if len - off < 3 then
            root:add_tvb_expert_info(E.framing, r(off, len - off), "Truncated TLV header (E23)")
            res.ok = false
            break
        end
        local t, l = r(off, 1):uint(), r(off + 1, 2):uint()
        local avail = math.min(l, len - off - 3)
        local tt = root:add(r(off, 3 + avail),
            string.format("TLV: %s (%d), length %d", TLV_NAMES[t] or "unknown", t, l))
        tt:add(F.tlv_type, r(off, 1))
        tt:add(F.tlv_length, r(off + 1, 2))
        if off + 3 + l > len then
            tt:add_tvb_expert_info(E.framing, r(off, 3 + avail),
                string.format("TLV length %d overruns the attribute (%d left) (E23)",
                              l, len - off - 3))
            res.ok = false
            break
        end
        local v = off + 3  -- value offset; may equal len when l == 0

        if (t == 1 or t == 2 or t == 4) and seen[t] then
            -- E25: first one wins; still check framing of Metric Control.
            tt:add_tvb_expert_info(E.ignored, r(off, 3 + l), "Duplicate " .. TLV_NAMES[t] .. " TLV ignored (E25)")
            if t == 4 and l ~= 8 then
                tt:add_tvb_expert_info(E.framing, r(off, 3 + l), "Metric Control length " .. l .. " != 8 (E23)")
                res.ok = false
            end
        elseif t == 1 then
            seen[t] = true
            local idt = l >= 1 and r(v, 1):uint() or nil
            if idt then tt:add(F.id_type, r(v, 1)) end
            if idt == nil or ID_LEN[idt] == nil or l ~= 1 + ID_LEN[idt] then
                tt:add_tvb_expert_info(E.ignored, r(off, 3 + l),
                    "CS-ID with unknown ID-Type or wrong length ignored (E26)")
            else
                local s = id_str(idt, r(v + 1, ID_LEN[idt]))
                tt:add(F.csid, r(v + 1, ID_LEN[idt]), s)
                tt:append_text(": " .. s)
            end
        elseif t == 2 then
            seen[t] = true
            local score, fine = decode_metrics(tt, r, v, v + l, true)
            if not fine then res.ok = false end
            site_score = score
        elseif t == 3 then
            local idt = l >= 1 and r(v, 1):uint() or nil
            if idt then tt:add(F.id_type, r(v, 1)) end
            if idt == nil or ID_LEN[idt] == nil or l < 2 + ID_LEN[idt] then
                -- Without a known ID length the metrics cannot be located.
                tt:add_tvb_expert_info(E.ignored, r(off, 3 + l),
                    "Contact Instance with unknown ID-Type or too short ignored (E26)")
            else
                local idl = ID_LEN[idt]
                local s = id_str(idt, r(v + 2, idl))
                tt:add(F.csci, r(v + 2, idl), s)
                tt:append_text(": " .. s)
                local score, fine = decode_metrics(tt, r, v + 2 + idl, v + l, false)
                if not fine then
                    res.ok = false
                elseif score ~= nil then
                    local it = tt:add(F.ci_score, r(v + 2, idl), score)
                    it:set_generated()
                    if best_ci == nil or score > best_ci then best_ci = score end
                end
            end
        elseif t == 4 then
            seen[t] = true
            if l ~= 8 then
                tt:add_tvb_expert_info(E.framing, r(off, 3 + l), "Metric Control length " .. l .. " != 8 (E23)")
                res.ok = false
            else
                tt:add(F.seq, r(v, 4)); tt:add(F.interval, r(v + 4, 2)); tt:add(F.profile, r(v + 6, 2))
                tt:append_text(string.format(": seq %d, interval %d s, profile %d",
                    r(v, 4):uint(), r(v + 4, 2):uint(), r(v + 6, 2):uint()))
            end
        else
            tt:add_tvb_expert_info(E.unknown, r(off, 3 + l), "Unknown TLV type " .. t .. " skipped (E24)")
            if l > 0 then tt:add(F.tlv_value, r(v, l)) end
        end
        off = off + 3 + l
    end

    -- B.3.5 reception rule 2; a framing error means treat-as-withdraw, so no S.
    if res.ok then
        if site_score ~= nil then res.score = site_score else res.score = best_ci end
        if res.score ~= nil then
            local it = root:add(F.site_score, r, res.score)
            it:set_generated()
        end
    end
    return res
end

------------------------------------------------------------------------
-- Postdissector: find unknown attributes whose type code is ours.
------------------------------------------------------------------------
function cats.dissector(tvb, pinfo, tree)
    local unknowns = { f_unknown() }
    if #unknowns == 0 then return end
    local codes = { f_type_code() }
    local markers = { f_marker() }
    local want = cats.prefs.type
    local last_src, last_msg  -- for the one-per-UPDATE check (B.3.1)

    for _, u in ipairs(unknowns) do
        local src = u.source
        -- The type code just before this value, in the same data source.
        local tc
        for _, c in ipairs(codes) do
            if c.source == src and c.offset < u.offset and (tc == nil or c.offset > tc.offset) then
                tc = c
            end
        end
        if tc ~= nil and tc.value == want and tc.offset >= 1 then
            local flags = src(tc.offset - 1, 1):uint()
            local hdr = bits(flags, 4, 1) == 1 and 4 or 3
            -- E20: other O/T combinations are someone else's attribute.
            if tc.offset - 1 + hdr == u.offset and bits(flags, 6, 2) == 3 then
                local msg
                for _, m in ipairs(markers) do
                    if m.source == src and m.offset <= u.offset and (msg == nil or m.offset > msg) then
                        msg = m.offset
                    end
                end
                local root = tree:add(cats, u.range)
                if last_src ~= nil and last_src == src and last_msg == msg then
                    root:add_tvb_expert_info(E.ignored, u.range,
                        "Second CATS-EXP attribute in one UPDATE; receivers use the first (E7)")
                end
                last_src, last_msg = src, msg

                local res = decode_value(root, u.range)
                local info
                if not res.ok then
                    info = "MALFORMED"
                elseif res.version ~= 1 then
                    info = "v" .. res.version
                else
                    info = (res.drain and "DRAIN " or "") .. "S=" .. (res.score ~= nil and res.score or "?")
                end
                root:append_text(" [" .. info .. "]")
                pinfo.cols.info:append(" [CATS " .. info .. "]")
            end
        end
    end
end

register_postdissector(cats)
