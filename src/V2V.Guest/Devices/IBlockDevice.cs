namespace V2V.Guest.Devices;

/// <summary>
/// A disk the guest writers may change: positional reads and writes of any length inside
/// [0, <see cref="Capacity"/>). Implementations: a raw image file (<see cref="FileBlockDevice"/>),
/// a byte array, or a target being written; <see cref="RecordingDevice"/> journals what changes.
/// </summary>
public interface IBlockDevice
{
    /// <summary>The file or device, for messages.</summary>
    string Path { get; }

    long Capacity { get; }

    void Read(long offset, Span<byte> destination);

    void Write(long offset, ReadOnlySpan<byte> source);
}
