.intel_syntax noprefix
.text
# visits [rdi+16] and [rdi+24]: a two-field traverse, calling visit through rsi
two:
  push rbx
  push r12
  push r13
  mov rbx, rdi
  mov r12, rsi
  mov r13, rdx
  mov rdi, [rbx+16]
  test rdi, rdi
  je 1f
  mov rsi, r13
  call r12
  test eax, eax
  jne 2f
1:
  mov rdi, [rbx+24]
  test rdi, rdi
  je 3f
  mov rsi, r13
  call r12
  jmp 2f
3:
  xor eax, eax
2:
  pop r13
  pop r12
  pop rbx
  ret
# writes 0x1234 into [rdi+16] then visits it: the write must not outlive the call
writer:
  push rbx
  mov rbx, rsi
  mov rax, [rdi+16]
  add rax, 1
  mov [rdi+16], rax
  mov rdi, rax
  mov rsi, rdx
  call rbx
  pop rbx
  ret
spin:
  jmp spin
sys:
  mov eax, 39
  syscall
  ret
canary:
  sub rsp, 24
  mov rax, fs:0x28
  mov [rsp+8], rax
  mov rdi, [rdi+16]
  call rsi
  mov rdx, [rsp+8]
  xor rdx, fs:0x28
  jne 4f
  add rsp, 24
  ret
4:
  ud2
.intel_syntax noprefix
.text
callnative:
  push rbx
  mov rbx, rsi
  mov rdi, [rdi+16]
  movabs rax, 0x555500000200
  call rax
  mov rdi, rax
  call rbx
  pop rbx
  ret
