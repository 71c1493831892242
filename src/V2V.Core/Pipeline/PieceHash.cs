using System.Runtime.CompilerServices;

namespace V2V.Core.Pipeline;

/// <summary>A piece hash of up to 32 bytes held inline, so blocks carry their hash without an allocation.</summary>
[InlineArray(32)]
public struct PieceHash
{
    private byte _element0;
}
