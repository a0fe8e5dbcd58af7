using System.Buffers.Binary;
using System.Text;
using MRVS.Core.Limits;

namespace MRVS.Core.IO.Torch;

/// <summary>
/// A pickle reader that never executes anything: globals, calls and persistent ids go to an
/// <see cref="IPickleResolver"/> whitelist, and values are plain .NET objects (see <see cref="PickleValue"/>).
/// Only the opcodes of <see cref="PickleOpcode"/> are accepted; any other byte is an error.
/// </summary>
internal sealed class SafeUnpickler
{
    private readonly byte[] _data;
    private readonly string _source;
    private readonly IPickleResolver _resolver;
    private readonly int _maxOpcodes;
    private int _opcodes;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos;
    private int _opStart;
    private PickleOpcode _op;

    private SafeUnpickler(byte[] data, string source, IPickleResolver resolver, int maxOpcodes)
    {
        _data = data;
        _source = source;
        _resolver = resolver;
        _maxOpcodes = maxOpcodes;
    }

    /// <summary>
    /// The object the pickle in <paramref name="data"/> describes; <paramref name="source"/> names it in errors. At
    /// most <paramref name="maxOpcodes"/> opcodes run: each adds at most one value, mark or memo entry, so memory stays
    /// proportional to that budget whatever the pickle repeats.
    /// </summary>
    public static object? Load(byte[] data, string source, IPickleResolver resolver, int maxOpcodes) =>
        new SafeUnpickler(data, source, resolver, maxOpcodes).Run();

    /// <summary>
    /// The object of the pickle that starts at <paramref name="position"/>; moves it past the pickle's STOP, for
    /// files that hold several pickles in a row (the legacy torch.save format).
    /// </summary>
    public static object? Load(byte[] data, ref int position, string source, IPickleResolver resolver,
        int maxOpcodes)
    {
        var unpickler = new SafeUnpickler(data, source, resolver, maxOpcodes) { _pos = position };
        var value = unpickler.Run();
        position = unpickler._pos;
        return value;
    }

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length)
                throw new TorchFormatException($"{_source}: the pickle ends at byte {_pos} without a STOP opcode " +
                    $"(truncated?)");
            if (++_opcodes > _maxOpcodes)
                throw ResourceLimits.Exceeded($"{_source}: the pickle runs more than " +
                    $"{ResourceLimits.Count(_maxOpcodes)} opcodes " +
                    "(a state dict needs far fewer)", nameof(ResourceLimits.MaxPickleOpcodes),
                        ResourceLimits.Count(_maxOpcodes));
            _opStart = _pos;
            _op = (PickleOpcode)_data[_pos++];
            if (_op == PickleOpcode.Stop) return Pop();
            Step();
        }
    }

    private void Step()
    {
        switch (_op)
        {
            case PickleOpcode.Proto:
                if (ReadByte() > 5) throw Fail($"pickle protocol {_data[_pos - 1]} is newer than 5");
                break;
            case PickleOpcode.Frame: Read(8); break;
            case PickleOpcode.Mark: _marks.Push(_stack.Count); break;
            case PickleOpcode.Pop: Pop(); break;
            case PickleOpcode.PopMark: PopToMark(); break;
            case PickleOpcode.None: Push(null); break;
            case PickleOpcode.NewTrue: Push(true); break;
            case PickleOpcode.NewFalse: Push(false); break;
            case PickleOpcode.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Read(4))); break;
            case PickleOpcode.BinInt1: Push((long)ReadByte()); break;
            case PickleOpcode.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Read(2))); break;
            case PickleOpcode.Long1: Push(ReadLong(ReadByte())); break;
            case PickleOpcode.Long4: Push(ReadLong(ReadLength(4))); break;
            case PickleOpcode.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Read(8))); break;
            case PickleOpcode.ShortBinUnicode: Push(Encoding.UTF8.GetString(Read(ReadByte()))); break;
            case PickleOpcode.BinUnicode: Push(Encoding.UTF8.GetString(Read(ReadLength(4)))); break;
            case PickleOpcode.BinUnicode8: Push(Encoding.UTF8.GetString(Read(ReadLength(8)))); break;
            case PickleOpcode.ShortBinBytes: Push(Read(ReadByte()).ToArray()); break;
            case PickleOpcode.BinBytes: Push(Read(ReadLength(4)).ToArray()); break;
            case PickleOpcode.BinBytes8: Push(Read(ReadLength(8)).ToArray()); break;
            case PickleOpcode.EmptyTuple: Push(Array.Empty<object?>()); break;
            case PickleOpcode.EmptyList: Push(new List<object?>()); break;
            case PickleOpcode.EmptyDict: Push(new OrderedDictionary<object, object?>()); break;
            case PickleOpcode.Tuple: Push(PopToMark()); break;
            case PickleOpcode.Tuple1: Push(PopN(1)); break;
            case PickleOpcode.Tuple2: Push(PopN(2)); break;
            case PickleOpcode.Tuple3: Push(PopN(3)); break;
            case PickleOpcode.Append: { var item = Pop(); AppendTo(Peek(), [item]); break; }
            case PickleOpcode.Appends: { var items = PopToMark(); AppendTo(Peek(), items); break; }
            case PickleOpcode.SetItem: { var items = PopN(2); SetItemsOf(Peek(), items); break; }
            case PickleOpcode.SetItems: { var items = PopToMark(); SetItemsOf(Peek(), items); break; }
            case PickleOpcode.BinPut: _memo[ReadByte()] = Peek(); break;
            case PickleOpcode.LongBinPut: _memo[BinaryPrimitives.ReadUInt32LittleEndian(Read(4))] = Peek(); break;
            case PickleOpcode.Memoize: _memo[_memo.Count] = Peek(); break;
            case PickleOpcode.BinGet: Push(MemoGet(ReadByte())); break;
            case PickleOpcode.LongBinGet: Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Read(4)))); break;
            case PickleOpcode.Global: { var module = ReadLine(); Push(_resolver.Global(module, ReadLine())); break; }
            case PickleOpcode.StackGlobal:
                {
                    var name = Pop() as string ?? throw Fail("the global's name is not a string");
                    var module = Pop() as string ?? throw Fail("the global's module is not a string");
                    Push(_resolver.Global(module, name));
                    break;
                }
            case PickleOpcode.Reduce:
            case PickleOpcode.NewObj:
                {
                    var args = Pop() as object?[] ?? throw Fail("the arguments are not a tuple");
                    Push(_resolver.Call(Pop(), args));
                    break;
                }
            case PickleOpcode.Build: { var state = Pop(); Build(Peek(), state); break; }
            case PickleOpcode.BinPersId: Push(_resolver.PersistentLoad(Pop())); break;
            default:
                throw new TorchFormatException($"{_source}: byte {_opStart}: unsupported pickle opcode " +
                    $"0x{(byte)_op:x2} " +
                                               $"('{(char)_op}'); this reader handles what torch.save writes");
        }
    }

    private void AppendTo(object? target, object?[] items)
    {
        switch (target)
        {
            case List<object?> list: list.AddRange(items); break;
            case PickleOpaque: break;
            default: throw Fail($"cannot append to {PickleValue.Describe(target)}");
        }
    }

    private void SetItemsOf(object? target, object?[] items)
    {
        if (items.Length % 2 != 0) throw Fail($"{items.Length} values for key/value pairs");
        switch (target)
        {
            case OrderedDictionary<object, object?> dict:
                for (int i = 0; i < items.Length; i += 2)
                {
                    var key = items[i] ?? throw Fail("None as a dict key is not supported");
                    dict[key] = items[i + 1];
                }
                break;
            case PickleOpaque: break;
            default: throw Fail($"cannot set items of {PickleValue.Describe(target)}");
        }
    }

    /// <summary>
    /// BUILD sets instance state. The only state torch.save gives a whitelisted value is the attribute dict of a
    /// state dict (its <c>_metadata</c>, module versions), which inference does not need, so it is dropped.
    /// </summary>
    private void Build(object? target, object? state)
    {
        switch (target)
        {
            case OrderedDictionary<object, object?>:
            case PickleOpaque: break;
            default: throw Fail($"cannot BUILD {PickleValue.Describe(target)} with {PickleValue.Describe(state)}");
        }
    }

    private object? MemoGet(long index) =>
        _memo.TryGetValue(index, out var v) ? v : throw Fail($"memo entry {index} is read before it is stored");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count)) throw Fail("the stack is empty");
        return _stack[^1];
    }

    private object? Pop()
    {
        var v = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object?[] PopN(int n)
    {
        int floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count - floor < n) throw Fail($"needs {n} values but the stack holds {_stack.Count - floor}");
        var items = _stack.GetRange(_stack.Count - n, n).ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private object?[] PopToMark()
    {
        if (_marks.Count == 0) throw Fail("no MARK to pop to");
        int start = _marks.Pop();
        var items = _stack.GetRange(start, _stack.Count - start).ToArray();
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private ReadOnlySpan<byte> Read(long n)
    {
        if (n > _data.Length - _pos)
            throw new TorchFormatException($"{_source}: the pickle ends at byte {_data.Length} inside {_op} (byte " +
                $"{_opStart}), " +
                                           $"which needs {n} more bytes from byte {_pos} (truncated?)");
        var span = new ReadOnlySpan<byte>(_data, _pos, (int)n);
        _pos += (int)n;
        return span;
    }

    private byte ReadByte() => Read(1)[0];

    private long ReadLength(int bytes)
    {
        var s = Read(bytes);
        long n = bytes == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadInt64LittleEndian(s);
        return n < 0 ? throw Fail($"negative length {n}") : n;
    }

    /// <summary>LONG1/LONG4: little-endian two's complement of n bytes; only 64-bit values are supported.</summary>
    private long ReadLong(long n)
    {
        if (n > 8) throw Fail($"an integer of {n} bytes does not fit in 64 bits");
        var s = Read(n);
        long v = 0;
        for (int i = s.Length - 1; i >= 0; i--) v = (v << 8) | s[i];
        int unused = 64 - 8 * s.Length;
        return s.Length == 0 ? 0 : (v << unused) >> unused;
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw new TorchFormatException($"{_source}: the pickle ends inside {_op} (byte {_opStart}) " +
            $"before its newline (truncated?)");
        var s = Encoding.UTF8.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private TorchFormatException Fail(string what) => new($"{_source}: byte {_opStart}: {_op}: {what}");
}
