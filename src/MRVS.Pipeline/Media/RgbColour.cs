namespace MRVS.Pipeline.Media;

/// <summary>An 8-bit RGB colour (the library's own, so no imaging library's type is in a public signature).</summary>
/// <param name="R">Red.</param>
/// <param name="G">Green.</param>
/// <param name="B">Blue.</param>
public readonly record struct RgbColour(byte R, byte G, byte B);
