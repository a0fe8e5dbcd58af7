using System.Buffers.Binary;
using MRVS.Core.IO;

namespace MRVS.Pipeline.Media;

/// <summary>
/// The chunk structure of a PNG, checked before it is decoded: the signature, every chunk complete with a matching
/// CRC-32, IHDR first, at least one IDAT, and IEND. A truncated or bit-flipped file is refused here instead of
/// decoding to a silently shortened or altered image.
/// </summary>
internal static class PngStructure
{
    /// <summary>The problem, or null when the structure is sound.</summary>
    public static string? Problem(ReadOnlySpan<byte> file)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (!file.StartsWith(signature)) return "it does not start with the PNG signature";
        int at = signature.Length, index = 0;
        bool data = false;
        while (true)
        {
            if (file.Length - at < 12) return $"the file ends inside chunk {index} (truncated; no IEND chunk)";
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file[at..]);
            var type = file.Slice(at + 4, 4);
            string name = System.Text.Encoding.ASCII.GetString(type);
            if (length > int.MaxValue || file.Length - at - 12 < length)
                return $"chunk {index} ('{name}') declares {length} bytes, past the end of the file (truncated)";
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(file[(at + 8 + (int)length)..]);
            if (Crc32.Of(file.Slice(at + 4, 4 + (int)length)) != stored)
                return $"chunk {index} ('{name}') fails its CRC-32 check (damaged)";
            if (index == 0 && !type.SequenceEqual("IHDR"u8)) return $"the first chunk is '{name}', not IHDR";
            data |= type.SequenceEqual("IDAT"u8);
            if (type.SequenceEqual("IEND"u8)) return data ? null : "it has no image data (IDAT chunk)";
            at += 12 + (int)length;
            index++;
        }
    }
}
