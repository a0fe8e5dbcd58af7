using System.Buffers.Binary;

namespace MRVS.Core.IO;

/// <summary>
/// The CRC-32 of zip entries (IEEE 802.3, reflected polynomial 0xEDB88320), computed eight bytes at a time with
/// slicing tables. .NET's ZipArchive does not check it when reading, so a checkpoint's storages are verified here.
/// </summary>
public sealed class Crc32
{
    private static readonly uint[][] Tables = BuildTables();
    private uint _crc = 0xFFFFFFFF;

    /// <summary>The CRC of everything appended so far.</summary>
    public uint Value => ~_crc;

    public static uint Of(ReadOnlySpan<byte> data)
    {
        var c = new Crc32();
        c.Append(data);
        return c.Value;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        uint crc = _crc;
        var t = Tables;
        while (data.Length >= 8)
        {
            uint lo = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc,
                hi = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24]
                ^ t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
            data = data[8..];
        }
        foreach (var b in data) crc = t[0][(crc ^ b) & 0xFF] ^ (crc >> 8);
        _crc = crc;
    }

    private static uint[][] BuildTables()
    {
        var tables = new uint[8][];
        for (int k = 0; k < 8; k++) tables[k] = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int j = 0; j < 8; j++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            tables[0][i] = c;
        }
        for (int k = 1; k < 8; k++)
            for (int i = 0; i < 256; i++)
                tables[k][i] = tables[0][tables[k - 1][i] & 0xFF] ^ (tables[k - 1][i] >> 8);
        return tables;
    }
}
