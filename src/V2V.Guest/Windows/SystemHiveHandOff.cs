using System.Buffers;
using V2V.Guest.Ntfs;
using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>
/// The SYSTEM hive image an inspection read, handed to the fix that follows on the same disk so the
/// hive (10-100 MiB) is read once and held once. The inspection keeps the image of
/// <see cref="WindowsSystemVolume.SystemHivePath"/> on the first volume it reads one from, read
/// with <see cref="Spare"/> bytes of room after it for the bins the fix may append; a dirty hive is
/// not kept (its image is a replay of the primary file and its logs, so it cannot be checked
/// against the file alone). The fix takes it only after checking it is still the file's exact
/// content on the disk it edits (<see cref="Take"/>), else reads the hive again.
/// </summary>
internal sealed class SystemHiveHandOff(int spare)
{
    private const int CompareBytes = 256 * 1024;
    private (long VolumeOffset, ReadOnlyMemory<byte> Image)? _kept;

    /// <summary>Bytes of room the inspection leaves after the image in its array.</summary>
    public int Spare => spare;

    /// <summary>True once the fix took the image (for tests and reports).</summary>
    public bool Taken { get; private set; }

    /// <summary>Whether the hive at <paramref name="path"/> (as the volume spells it) is the one to keep.</summary>
    public bool Wants(string path) =>
        _kept is null && !Taken && string.Equals(path, WindowsSystemVolume.SystemHivePath, StringComparison.OrdinalIgnoreCase);

    /// <summary>Keeps <paramref name="hive"/>'s image, read from the volume at byte <paramref name="volumeOffset"/> of the disk, unless it was dirty.</summary>
    public void Keep(long volumeOffset, RegistryHive hive)
    {
        if (!hive.WasDirty)
        {
            _kept = (volumeOffset, hive.Image);
        }
    }

    /// <summary>
    /// The kept image when it was read from the volume at <paramref name="volumeOffset"/> and equals,
    /// byte for byte, <see cref="WindowsSystemVolume.SystemHivePath"/> as <paramref name="volume"/>
    /// reads it now (compared through a 256 KiB buffer, nothing else held); else null. Either way the
    /// hand-off lets go of the image: the caller owns it (and may edit it in place).
    /// </summary>
    public ReadOnlyMemory<byte>? Take(long volumeOffset, NtfsVolume volume)
    {
        var kept = _kept;
        _kept = null;
        if (kept is not { } k || k.VolumeOffset != volumeOffset || !SameContent(volume, k.Image.Span))
        {
            return null;
        }

        Taken = true;
        return k.Image;
    }

    private static bool SameContent(NtfsVolume volume, ReadOnlySpan<byte> image)
    {
        using var file = volume.OpenFile(WindowsSystemVolume.SystemHivePath);
        if (file.Length != image.Length)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(CompareBytes);
        try
        {
            for (int done = 0; done < image.Length;)
            {
                int length = Math.Min(CompareBytes, image.Length - done);
                file.ReadExactly(buffer, 0, length);
                if (!buffer.AsSpan(0, length).SequenceEqual(image.Slice(done, length)))
                {
                    return false;
                }

                done += length;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
