namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Window geometry shared by the Swin partition and merge ops: window (wd, wh, ww) and cyclic shift (sd, sh, sw).
/// </summary>
public readonly record struct SwinWindow(int[] Size, int[] Shift)
{
    public int Tokens => Size[0] * Size[1] * Size[2];
    public int Padded(int axis, int extent) => (extent + Size[axis] - 1) / Size[axis] * Size[axis];
    public int Windows(int d, int h, int w) =>
        Padded(0, d) / Size[0] * (Padded(1, h) / Size[1]) * (Padded(2, w) / Size[2]);
    public override string ToString() => $"window ({string.Join(",", Size)}) shift ({string.Join(",", Shift)})";

    /// <summary>Upstream's block assertion 0 ≤ shift &lt; window, per axis of the three.</summary>
    public bool IsValid
    {
        get
        {
            if (Size is not { Length: 3 } || Shift is not { Length: 3 }) return false;
            for (int i = 0; i < 3; i++)
                if (Size[i] <= 0 || Shift[i] < 0 || Shift[i] >= Size[i]) return false;
            return true;
        }
    }
}
