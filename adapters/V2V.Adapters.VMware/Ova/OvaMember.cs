using Microsoft.Win32.SafeHandles;
using V2V.Core.Formats;

namespace V2V.Adapters.VMware.Ova;

/// <summary>A member's name and where its data lies in the archive.</summary>
internal sealed record OvaMember(string Name, long Offset, long Length);

/// <summary>One member read front to back with positional reads.</summary>
internal sealed class OvaMemberStream(SafeFileHandle handle, OvaMember member) : ForwardOnlyStream
{
    private long _done;

    public override int Read(Span<byte> buffer)
    {
        int want = (int)Math.Min(buffer.Length, member.Length - _done);
        int got = want == 0 ? 0 : RandomAccess.Read(handle, buffer[..want], member.Offset + _done);
        if (got == 0 && want > 0)
        {
            throw new EndOfStreamException($"member \"{member.Name}\" ends early");
        }

        _done += got;
        return got;
    }
}

/// <summary>Several streams read one after the other as one.</summary>
internal sealed class JoinedStream(IReadOnlyList<Stream> parts) : ForwardOnlyStream
{
    private int _index;

    public override int Read(Span<byte> buffer)
    {
        while (_index < parts.Count)
        {
            int got = parts[_index].Read(buffer);
            if (got > 0 || buffer.IsEmpty)
            {
                return got;
            }

            _index++;
        }

        return 0;
    }
}
