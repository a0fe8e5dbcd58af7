using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace MRVS.Tests.Fuzz;

/// <summary>
/// Seeded mutations of a valid input: byte-level (bit flips, boundary values written as 8/16/32/64-bit integers in
/// either byte order, ranges deleted, repeated or inserted, truncation) and, for JSON, structural (a value replaced by
/// a boundary value, a type or a deep nesting; a key removed or repeated; text appended).
/// </summary>
public sealed class Mutator(Random rng)
{
    private static readonly long[] Boundaries =
        [0, 1, -1, 2, 7, 8, 127, 128, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, int.MaxValue, int.MinValue,
            uint.MaxValue, 1L << 32, long.MaxValue, long.MinValue];

    private static readonly string[] JsonValues =
    [
        "0", "-1", "1", "3", "1000000000", "2147483648", "-2147483649", "9223372036854775808", "1e308", "-1e308",
            "1.5", "0.0001", "1e-320",
        "\"\"", "\"x\"", "\"\\u0000\\u001b[31m\"", "null", "true", "false", "[]", "{}", "[1, 2, 3]", "[0, 0, 0]",
            "[-5, 7, 7]", "[65536, 65536, 65536]",
        "{\"value\": 5}", "{\"value\": -5}", "{\"value\": [8, 7]}", "{\"value\": 1e9}",
    ];

    private const string DeepMarker = "deep-nesting-goes-here";

    public Random Random => rng;

    /// <summary>One to four byte-level mutations of a copy of <paramref name="input"/>.</summary>
    public byte[] Bytes(byte[] input, int from = 0, int? to = null)
    {
        var b = new List<byte>(input);
        int ops = rng.Next(1, 5);
        for (int i = 0; i < ops && b.Count > 0; i++)
        {
            int hi = Math.Min(to ?? b.Count, b.Count), lo = Math.Min(from, hi - 1);
            int at = rng.Next(Math.Max(lo, 0), Math.Max(hi, 1));
            switch (rng.Next(9))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b[at] = (byte)rng.Next(256); break;
                case 2: b[at] = (byte)Boundaries[rng.Next(Boundaries.Length)]; break;
                case 3: WriteInteger(b, at); break;
                case 4: b.RemoveRange(at, Math.Min(rng.Next(1, 64), b.Count - at)); break;
                case 5: b.InsertRange(at, Enumerable.Range(0, rng.Next(1, 32)).Select(_ => (byte)rng.Next(256))); break;
                case 6:
                    {
                        int len = Math.Min(rng.Next(1, 256), b.Count - at);
                        b.InsertRange(rng.Next(b.Count), b.GetRange(at, len));
                        break;
                    }
                case 7: b.RemoveRange(at, b.Count - at); break;
                default: b[at] = b[rng.Next(b.Count)]; break;
            }
        }
        return [.. b];
    }

    private void WriteInteger(List<byte> b, int at)
    {
        long v = Boundaries[rng.Next(Boundaries.Length)];
        int size = 1 << rng.Next(1, 4);
        Span<byte> bytes = stackalloc byte[8];
        if (rng.Next(2) == 0) BinaryPrimitives.WriteInt64LittleEndian(bytes, v);
        else BinaryPrimitives.WriteInt64BigEndian(bytes, v << (64 - 8 * size));
        for (int k = 0; k < size && at + k < b.Count; k++) b[at + k] = bytes[k];
    }

    /// <summary>
    /// A structural mutation of a JSON text (or a byte-level one, one time in five or when it does not parse).
    /// </summary>
    public string Json(string json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (System.Text.Json.JsonException) { root = null; }
        if (root is null || rng.Next(5) == 0) return Encoding.UTF8.GetString(Bytes(Encoding.UTF8.GetBytes(json)));
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var node = nodes[rng.Next(nodes.Count)];
        switch (rng.Next(6))
        {
            case 0 when node.Parent is JsonObject o:
                o.Remove(node.GetPropertyName());
                return root.ToJsonString();
            case 1 when node.Parent is JsonObject:
                {
                    // A key repeated with another value: only text can say that.
                    var text = root.ToJsonString();
                    var key = $"\"{node.GetPropertyName()}\":";
                    int at = text.IndexOf(key, StringComparison.Ordinal);
                    return at < 0 ? text : text.Insert(at, $"{key}{JsonValues[rng.Next(JsonValues.Length)]},");
                }
            case 2:
                return root.ToJsonString() + (rng.Next(2) == 0 ? "{" : " trailing");
            case 3:
                // Nesting deeper than a parser allows (a node cannot hold it: it is spliced into the text).
                Replace(node, JsonValue.Create(DeepMarker));
                return root.ToJsonString().Replace($"\"{DeepMarker}\"", new string('[', 300) + new string(']', 300),
                    StringComparison.Ordinal);
            default:
                Replace(node, JsonNode.Parse(JsonValues[rng.Next(JsonValues.Length)]));
                return root.ToJsonString();
        }
    }

    /// <summary>
    /// Line-level mutations of a text file (lines dropped, repeated, swapped, one given a stray token), or a byte-level
    /// one.
    /// </summary>
    public string Lines(string text)
    {
        var lines = text.Split('\n').ToList();
        if (rng.Next(4) == 0 || lines.Count < 2) return Encoding.UTF8.GetString(Bytes(Encoding.UTF8.GetBytes(text)));
        int i = rng.Next(lines.Count), j = rng.Next(lines.Count);
        switch (rng.Next(4))
        {
            case 0: lines.RemoveAt(i); break;
            case 1: lines.Insert(j, lines[i]); break;
            case 2: (lines[i], lines[j]) = (lines[j], lines[i]); break;
            default: lines[i] += rng.Next(2) == 0 ? " x" : "\u0000\u00ff"; break;
        }
        return string.Join('\n', lines);
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        if (node.Parent is not null) into.Add(node);
        if (node is JsonObject o) foreach (var (_, v) in o) { if (v is not null) Collect(v, into); }
        else if (node is JsonArray a) foreach (var v in a) { if (v is not null) Collect(v, into); }
        if (into.Count == 0) into.Add(node);
    }

    private static void Replace(JsonNode node, JsonNode? value)
    {
        switch (node.Parent)
        {
            case JsonObject o: o[node.GetPropertyName()] = value; break;
            case JsonArray a: a[node.GetElementIndex()] = value; break;
        }
    }
}
