using System.Runtime.ExceptionServices;

namespace MRVS.Backends.Cuda.Interop;

/// <summary>Runs every release step even when one fails (a failed unload must not leak the context), then throws the
/// first failure.</summary>
internal static class Release
{
    public static void All(params Action[] steps)
    {
        Exception? first = null;
        foreach (var step in steps)
        {
            try { step(); }
            catch (CudaException e) { first ??= e; }
        }
        if (first != null) ExceptionDispatchInfo.Throw(first);
    }
}
