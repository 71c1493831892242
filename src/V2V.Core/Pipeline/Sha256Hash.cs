using System.Runtime.CompilerServices;

namespace V2V.Core.Pipeline;

/// <summary>A SHA-256 value held inline, so blocks carry their hash without an allocation.</summary>
[InlineArray(32)]
public struct Sha256Hash
{
    private byte _element0;
}
