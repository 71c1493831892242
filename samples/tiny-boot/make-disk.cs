// Regenerates tiny-boot.img, the shipped sample disk: `dotnet run make-disk.cs` in this folder.
// A 4 MiB MBR disk. Its boot sector writes "V2V-BOOT-OK" to COM1 and then forces a triple
// fault, so `qemu-system-x86_64 -no-reboot` exits by itself once the marker is out. One NTFS-type
// partition (1 MiB..4 MiB) holds a few recognisable blocks and holes, so conversions have both.
const int Sector = 512;
var disk = new byte[4 * 1024 * 1024];

byte[] code =
[
    0xFA,                   // cli
    0xFC,                   // cld
    0x31, 0xC0,             // xor ax, ax
    0x8E, 0xD8,             // mov ds, ax
    0x8E, 0xD0,             // mov ss, ax
    0xBC, 0x00, 0x7C,       // mov sp, 0x7C00
    0xBE, 0x00, 0x00,       // mov si, message        (patched below)
    0xBA, 0xF8, 0x03,       // mov dx, 0x3F8          (COM1 data port)
    0xAC,                   // next: lodsb
    0x84, 0xC0,             // test al, al
    0x74, 0x03,             // jz done
    0xEE,                   // out dx, al
    0xEB, 0xF8,             // jmp next
    0x0F, 0x01, 0x1E, 0x00, 0x00, // done: lidt [empty]   (patched below)
    0xCC,                   // int3 with an empty IDT: triple fault, qemu -no-reboot exits
    0xF4,                   // hlt (not reached)
];
var message = "V2V-BOOT-OK\r\n\0"u8.ToArray();
int messageOffset = code.Length;
int idtrOffset = messageOffset + message.Length; // six zero bytes: limit 0, base 0
void Patch(int at, int offset) { code[at] = (byte)((0x7C00 + offset) & 0xFF); code[at + 1] = (byte)((0x7C00 + offset) >> 8); }
Patch(12, messageOffset);
Patch(28, idtrOffset);
code.CopyTo(disk, 0);
message.CopyTo(disk, messageOffset);

// Partition 1: active, type 0x07, LBA 2048, 6144 sectors (CHS fields set to the LBA-only marker).
var entry = disk.AsSpan(446, 16);
entry[0] = 0x80;
entry[1] = 0xFE; entry[2] = 0xFF; entry[3] = 0xFF;
entry[4] = 0x07;
entry[5] = 0xFE; entry[6] = 0xFF; entry[7] = 0xFF;
BitConverter.TryWriteBytes(entry[8..], 2048u);
BitConverter.TryWriteBytes(entry[12..], 6144u);
disk[510] = 0x55;
disk[511] = 0xAA;

// Recognisable content in the partition, with holes between.
"V2V sample partition: this text must survive every conversion.\n"u8.CopyTo(disk.AsSpan(2048 * Sector));
var random = new Random(20261126);
random.NextBytes(disk.AsSpan(1536 * 1024, 64 * 1024));
disk.AsSpan(3 * 1024 * 1024, 4096).Fill(0xA5);
random.NextBytes(disk.AsSpan(disk.Length - 4096, 4096));

File.WriteAllBytes("tiny-boot.img", disk);
Console.WriteLine($"tiny-boot.img: {disk.Length} bytes");
