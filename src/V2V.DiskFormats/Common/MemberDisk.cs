using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Raw;
using V2V.DiskFormats.Vhd;
using V2V.DiskFormats.Vhdx;
using V2V.DiskFormats.Vmdk;

namespace V2V.DiskFormats.Common;

/// <summary>
/// Opens a disk that lies inside a package file (an OVA member viewed in place) with the regular
/// reader of its format, so random-access layouts work and the pipeline's workers read it in
/// parallel. Such a disk must stand alone: formats that name other files (descriptors, parents)
/// are refused, since a package has no folder to find them in.
/// </summary>
public static class MemberDisk
{
    /// <param name="format">The format the member's signature shows ("vmdk", "vhd", "vhdx", "raw").</param>
    /// <exception cref="UnsupportedFormatException">The format cannot be read from a member.</exception>
    public static IDiskSource Open(ImageFile member, string format)
    {
        try
        {
            return format switch
            {
                "vmdk" => VmdkDisk.OpenAlone(member),
                "vhd" => VhdDisk.OpenAlone(member),
                "vhdx" => OpenVhdx(member),
                "raw" => new RawMemberDisk(member),
                _ => throw new UnsupportedFormatException(member.Path, $"is a {format} disk, which V2V cannot read inside a package"),
            };
        }
        catch
        {
            member.Dispose();
            throw;
        }
    }

    private static VhdxDisk OpenVhdx(ImageFile member)
    {
        var image = VhdxFile.Open(member);
        if (image.Parameters.HasParent)
        {
            image.Dispose();
            throw new UnsupportedFormatException(member.Path, "is a differencing VHDX inside a package, where no parent can be found: export the VM with its disks merged");
        }

        return new VhdxDisk(image);
    }
}
