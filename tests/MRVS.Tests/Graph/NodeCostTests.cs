using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Graph;

/// <summary>What a node must move and compute at the least (Node.CompulsoryBytes, Op.Flops), for rooflines.</summary>
public class NodeCostTests
{
    [Test]
    public void CompulsoryBytesReadEachDistinctInputOnceAndWriteTheOutputOnce()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 4, 8);
        var squared = g.Add(new BinaryOp(BinaryKind.Mul), "sq", x, x);
        var view = g.Add(new ReshapeOp(32), "flat", squared);
        Assert.That(squared.Producer!.CompulsoryBytes, Is.EqualTo(2 * 4 * 8 * 4), "x read once though given twice");
        Assert.That(view.Producer!.CompulsoryBytes, Is.Zero, "a view moves nothing");
    }

    [Test]
    public void GathersAndSlicesReadOnlyWhatTheyTake()
    {
        var g = new ComputeGraph();
        var table = g.Input("table", DType.F32, 1000, 16);
        var ids = g.Input("ids", DType.I64, 1, 5);
        var rows = g.Add(new EmbeddingOp(), "rows", table, ids);
        Assert.That(rows.Producer!.CompulsoryBytes, Is.EqualTo(5 * 16 * 4 + 5 * 8 + 5 * 16 * 4),
            "5 rows of the table, the ids, the output");
        var part = g.Add(new SliceOp(0, 10, 20), "part", table);
        Assert.That(part.Producer!.CompulsoryBytes, Is.EqualTo(2 * 20 * 16 * 4));
    }

    [Test]
    public void FlopsOfTheArithmeticOps()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 2, 6, 10);
        var w = g.Input("w", DType.F32, 7, 10);
        Assert.That(g.Add(new LinearOp(), "lin", x, w).Producer!.Flops, Is.EqualTo(2L * 12 * 7 * 10));
        var k = g.Input("k", DType.F32, 2, 9, 10);
        var v = g.Input("v", DType.F32, 2, 9, 4);
        Assert.That(g.Add(new AttentionOp(2), "att", x, k, v).Producer!.Flops, Is.EqualTo(2L * 2 * 6 * 9 * (10 + 4)),
            "QKᵀ and PV over both heads");
        var img = g.Input("img", DType.F32, 1, 3, 8, 8);
        var kernel = g.Input("kernel", DType.F32, 5, 3, 3, 3);
        Assert.That(g.Add(new Conv2dOp(padding: 1), "conv", img, kernel).Producer!.Flops,
            Is.EqualTo(2L * 5 * 8 * 8 * 3 * 3 * 3));
        Assert.That(g.Add(new UnaryOp(UnaryKind.Relu), "relu", x).Producer!.Flops, Is.Zero,
            "not stated for element-wise ops");
    }
}
