using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;

namespace MRVS.Tests.IO;

public class SafeTensorsTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-st").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void RoundTripKeepsNamesDtypesShapesAndBytes()
    {
        var path = Path.Combine(_dir, "a.safetensors");
        using var f = Tensor.FromSpan<float>([1.5f, -2f, 3f, 4f, 5f, 6f], 2, 3);
        using var i = Tensor.FromSpan<long>([7L, -8L], 2);
        using var b = Tensor.FromSpan<byte>([1, 0, 1], 3);
        using var s = Tensor.FromSpan<float>([42f]);
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["f"] = f,
            ["i"] = i,
            ["u"] = b,
            ["scalar"] =
            s
        },
            new Dictionary<string, string> { ["family"] = "soc" });
        using var r = SafeTensorsFile.Open(path);
        Assert.That(r.Metadata["family"], Is.EqualTo("soc"));
        using var f2 = r.Get("f");
        using var i2 = r.Get("i");
        using var s2 = r.Get("scalar");
        Assert.That(f2.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(f2.Span<float>().ToArray(), Is.EqualTo(f.Span<float>().ToArray()));
        Assert.That(i2.Span<long>().ToArray(), Is.EqualTo(new[] { 7L, -8L }));
        Assert.That(s2.Shape, Is.Empty);
        Assert.That(s2.Span<float>()[0], Is.EqualTo(42f));
        Assert.That(r.Info("u").DType, Is.EqualTo(DType.U8));
    }

    [Test]
    public void FixtureWeightsOpenWithAlignedZeroCopyViews()
    {
        using var r = SafeTensorsFile.Open(Fixtures.File("soc-tiny", "weights.safetensors"));
        Assert.That(r.Tensors, Has.Count.EqualTo(435));
        using var t = r.Get("query_embed.weight");
        Assert.That(t.Shape, Is.EqualTo(new[] { 5, 128 }));
    }

    private string WriteRaw(string header, int dataBytes, long? headerLen = null)
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".safetensors");
        var h = System.Text.Encoding.UTF8.GetBytes(header);
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes(headerLen ?? h.Length));
        fs.Write(h);
        fs.Write(new byte[dataBytes]);
        return path;
    }

    private static string ErrorOf(string path) =>
        Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose())!.Message;

    [Test]
    public void HeaderLengthPastEndOfFileIsNamed() =>
        Assert.That(ErrorOf(WriteRaw("{}", 0, headerLen: 1 << 20)), Does.Contain("header length"));

    [Test]
    public void TruncatedFileIsNamed()
    {
        var p = Path.Combine(_dir, "short.safetensors");
        File.WriteAllBytes(p, [1, 2, 3]);
        Assert.That(ErrorOf(p), Does.Contain("shorter than the 8-byte header length").And.Contain(p));
    }

    [Test]
    public void InvalidJsonIsNamed() => Assert.That(ErrorOf(WriteRaw("{not json", 0)), Does.Contain("not valid JSON"));

    [Test]
    public void UnknownDtypeNamesTensor() =>
        Assert.That(ErrorOf(WriteRaw("""{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}""", 4)),
            Does.Contain("'w'").And.Contain("unsupported dtype 'Q7'"));

    [Test]
    public void ShapeNotMatchingByteRangeNamesTensor() =>
        Assert.That(ErrorOf(WriteRaw("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8)),
            Does.Contain("'w'").And.Contain("needs 12 bytes but data_offsets span 8"));

    [Test]
    public void RangePastDataSectionNamesTensor() =>
        Assert.That(ErrorOf(WriteRaw("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8)),
            Does.Contain("'w'").And.Contain("past the data section"));

    [Test]
    public void OverlappingRangesNameBothTensors() =>
        Assert.That(ErrorOf(WriteRaw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""" +
                ""","b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12)),
            Does.Contain("overlaps").And.Contain("'a'").And.Contain("'b'"));

    [Test]
    public void NegativeShapeIsNamed() =>
        Assert.That(ErrorOf(WriteRaw("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}""", 0)),
            Does.Contain("non-negative"));
}
