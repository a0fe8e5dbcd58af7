using System.Buffers.Binary;

namespace MRVS.Pipeline.Media;

/// <summary>
/// The marker structure of a JPEG, checked before it is decoded: SOI, segments whose lengths stay inside the file, a
/// frame header and a scan, restart markers in their cyclic order inside the entropy-coded data, and the EOI marker.
/// JPEG has no checksum, so a damaged byte inside the coded data that still decodes goes unnoticed (as in every
/// decoder); truncation and damage to the structure do not.
/// </summary>
internal static class JpegStructure
{
    private const byte Soi = 0xD8, Eoi = 0xD9, Sos = 0xDA, Rst0 = 0xD0, Rst7 = 0xD7, Tem = 0x01;

    /// <summary>The problem, or null when the structure is sound.</summary>
    public static string? Problem(ReadOnlySpan<byte> file)
    {
        if (file.Length < 4 || file[0] != 0xFF || file[1] != Soi) return "it does not start with the JPEG SOI marker";
        int at = 2;
        bool frame = false, scan = false;
        while (true)
        {
            if (at >= file.Length) return "the file ends without the end-of-image marker (truncated)";
            if (file[at] != 0xFF) return $"byte 0x{file[at]:x2} at offset {at} where a marker should start (damaged)";
            while (at < file.Length && file[at] == 0xFF) at++; // fill bytes
            if (at >= file.Length) return "the file ends inside a marker (truncated)";
            byte marker = file[at++];
            if (marker == Eoi)
                return !frame ? "it has no frame header (SOF marker)" : !scan ? "it has no scan (SOS marker)" : null;
            if (marker is Tem or (>= Rst0 and <= Rst7)) continue;
            if (marker is Soi or 0x00) return $"marker 0xff{marker:x2} at offset {at - 2} is out of place (damaged)";
            if (file.Length - at < 2) return "the file ends inside a segment header (truncated)";
            int length = BinaryPrimitives.ReadUInt16BigEndian(file[at..]);
            if (length < 2 || file.Length - at < length) return $"segment 0xff{marker:x2} at offset {at - 2} runs " +
                "past the end of the file (truncated)";
            frame |= marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);
            at += length;
            if (marker != Sos) continue;
            if (!frame) return "a scan comes before the frame header (damaged)";
            scan = true;
            if (SkipEntropyCoded(file, ref at) is { } problem) return problem;
        }
    }

    /// <summary>
    /// Moves past the entropy-coded data to the next marker, checking that restart markers count 0 to 7 in turn.
    /// </summary>
    private static string? SkipEntropyCoded(ReadOnlySpan<byte> file, ref int at)
    {
        int expected = 0;
        while (at < file.Length - 1)
        {
            int ff = file[at..].IndexOf((byte)0xFF);
            if (ff < 0) break;
            at += ff;
            byte next = at + 1 < file.Length ? file[at + 1] : (byte)0;
            if (next == 0x00 || next == 0xFF) { at += next == 0x00 ? 2 : 1; continue; }
            if (next is >= Rst0 and <= Rst7)
            {
                if (next - Rst0 != expected) return $"restart marker RST{next - Rst0} at offset {at} where " +
                    $"RST{expected} belongs (damaged)";
                expected = (expected + 1) % 8;
                at += 2;
                continue;
            }
            return null;
        }
        return "the file ends inside the compressed image data (truncated)";
    }
}
