using System.Text;

namespace MRVS.Tests.IO;

/// <summary>Writes small pickles opcode by opcode, for hand-made torch.save archives in the checkpoint tests.</summary>
public sealed class PickleBuilder
{
    private readonly List<byte> _bytes = [0x80, 2];

    public PickleBuilder Op(char opcode) => Op((byte)opcode);

    public PickleBuilder Op(byte opcode)
    {
        _bytes.Add(opcode);
        return this;
    }

    public PickleBuilder Mark() => Op('(');
    public PickleBuilder EmptyDict() => Op('}');
    public PickleBuilder EmptyTuple() => Op(')');
    public PickleBuilder Tuple() => Op('t');
    public PickleBuilder SetItem() => Op('s');
    public PickleBuilder SetItems() => Op('u');
    public PickleBuilder Reduce() => Op('R');
    public PickleBuilder False() => Op(0x89);
    public PickleBuilder True() => Op(0x88);
    public PickleBuilder None() => Op('N');

    /// <summary>Bytes as they are, after an opcode that takes an argument the other methods do not write.</summary>
    public PickleBuilder Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public PickleBuilder StrList(IEnumerable<string> items)
    {
        Op(']').Mark();
        foreach (var s in items) Str(s);
        return Op('e');
    }
    public PickleBuilder Stop() => Op('.');

    public PickleBuilder Str(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        Op('X');
        _bytes.AddRange(BitConverter.GetBytes(utf8.Length));
        _bytes.AddRange(utf8);
        return this;
    }

    /// <summary>BININT (4-byte signed), as the pickler writes ints that do not fit one or two unsigned bytes.</summary>
    public PickleBuilder Int(int v)
    {
        Op('J');
        _bytes.AddRange(BitConverter.GetBytes(v));
        return this;
    }

    public PickleBuilder Global(string module, string name)
    {
        Op('c');
        _bytes.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        return this;
    }

    public PickleBuilder OrderedDict() => Global("collections", "OrderedDict").EmptyTuple().Reduce();

    public PickleBuilder IntTuple(long[] values)
    {
        Mark();
        foreach (var v in values) Int((int)v);
        return Tuple();
    }

    /// <summary>
    /// _rebuild_tensor_v2 of a storage persistent id, as torch.save writes a tensor; the legacy format's id has a
    /// sixth element, the view metadata (None).
    /// </summary>
    public PickleBuilder Tensor(string storageType, string key, int numel, int offset, long[] size, long[] stride,
        bool legacy = false)
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        Mark();
        Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel);
        if (legacy) None();
        Tuple().Op('Q');
        Int(offset).IntTuple(size).IntTuple(stride).False().OrderedDict();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => _bytes.ToArray();
}
