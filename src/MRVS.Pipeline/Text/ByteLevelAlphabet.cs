using System.Text;

namespace MRVS.Pipeline.Text;

/// <summary>
/// GPT-2's reversible byte-to-character table: the printable Latin-1 bytes stand for themselves and the other 68
/// bytes (controls, space, soft hyphen, ...) for U+0100 onwards in byte order, so every UTF-8 byte string becomes a
/// whitespace-free string that vocab and merges entries can spell (space is "Ġ", newline "Ċ").
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] CharOfByte = BuildTable();

    /// <summary>The character that stands for byte <paramref name="b"/> (the 256 base entries of every byte-level
    /// vocab).</summary>
    public static char Symbol(byte b) => CharOfByte[b];

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, one table character per byte.</summary>
    public static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (chars, b) =>
        {
            for (int i = 0; i < b.Length; i++) chars[i] = CharOfByte[b[i]];
        });
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
