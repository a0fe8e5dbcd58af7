namespace MRVS.Pipeline.Media;

/// <summary>
/// The variable-width LZW of GIF image data: codes grow from minCodeSize + 1 to 12 bits, LSB first, packed into
/// sub-blocks of at most 255 bytes; a clear code starts each table, and a full table is cleared (not frozen).
/// </summary>
internal static class GifLzwEncoder
{
    private const int MaxBits = 12, MaxCodes = 1 << MaxBits;

    public static void Write(Stream output, ReadOnlySpan<byte> indices, int minCodeSize)
    {
        output.WriteByte((byte)minCodeSize);
        var bits = new BitPacker(output);
        int clear = 1 << minCodeSize, end = clear + 1;
        var table = new Dictionary<int, int>(MaxCodes);
        int next = end + 1, width = minCodeSize + 1;
        bits.Write(clear, width);
        if (indices.Length > 0)
        {
            int prefix = indices[0];
            for (int i = 1; i < indices.Length; i++)
            {
                int key = (prefix << 8) | indices[i];
                if (table.TryGetValue(key, out int code)) { prefix = code; continue; }
                bits.Write(prefix, width);
                if (next < MaxCodes)
                {
                    table[key] = next++;
                    // The decoder adds each entry one code later, so it widens after reading the code that follows.
                    if (next > 1 << width && width < MaxBits) width++;
                }
                else
                {
                    bits.Write(clear, width);
                    table.Clear();
                    next = end + 1;
                    width = minCodeSize + 1;
                }
                prefix = indices[i];
            }
            bits.Write(prefix, width);
        }
        bits.Write(end, width);
        bits.Flush();
        output.WriteByte(0);
    }

    private sealed class BitPacker(Stream output)
    {
        private readonly byte[] _block = new byte[255];
        private int _used, _pending, _pendingBits;

        public void Write(int code, int width)
        {
            _pending |= code << _pendingBits;
            _pendingBits += width;
            while (_pendingBits >= 8)
            {
                Put((byte)_pending);
                _pending >>= 8;
                _pendingBits -= 8;
            }
        }

        public void Flush()
        {
            if (_pendingBits > 0) Put((byte)_pending);
            _pending = _pendingBits = 0;
            if (_used > 0) Emit();
        }

        private void Put(byte b)
        {
            _block[_used++] = b;
            if (_used == _block.Length) Emit();
        }

        private void Emit()
        {
            output.WriteByte((byte)_used);
            output.Write(_block, 0, _used);
            _used = 0;
        }
    }
}
