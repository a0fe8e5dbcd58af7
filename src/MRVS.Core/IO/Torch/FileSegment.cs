using Microsoft.Win32.SafeHandles;

namespace MRVS.Core.IO.Torch;

/// <summary>
/// A forward-reading view of a file from an offset, with its own position (the file's is left alone).
/// </summary>
internal sealed class FileSegment(SafeFileHandle file, long start) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => RandomAccess.GetLength(file) - start;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = RandomAccess.Read(file, buffer, start + _position);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
