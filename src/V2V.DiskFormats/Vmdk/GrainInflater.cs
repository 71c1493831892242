using System.IO.Compression;
using V2V.Core.Errors;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// Inflates one compressed grain (a zlib stream, RFC 1950, whatever the technote says) into at
/// most one grain of output; a stream that would inflate past that is a decompression bomb.
/// </summary>
public static class GrainInflater
{
    public static int Inflate(string file, byte[] compressed, int start, int count, Span<byte> output, long lba)
    {
        using var source = new MemoryStream(compressed, start, count, writable: false);
        using var zlib = new ZLibStream(source, CompressionMode.Decompress);
        int done = 0;
        try
        {
            while (done < output.Length)
            {
                int got = zlib.Read(output[done..]);
                if (got == 0)
                {
                    break;
                }

                done += got;
            }

            Span<byte> extra = stackalloc byte[1];
            if (zlib.Read(extra) != 0)
            {
                throw new InvalidImageException(file, $"compressed grain at LBA {lba} inflates past the {output.Length}-byte grain (decompression bomb)");
            }
        }
        catch (InvalidDataException e)
        {
            // Not e.Message: .NET's words for bad deflate data ("The archive entry was compressed using
            // an unsupported compression method") point at an archive there is none of.
            throw new InvalidImageException(file, $"compressed grain at LBA {lba} is not a valid zlib stream: its data is damaged", e);
        }

        return done;
    }
}
