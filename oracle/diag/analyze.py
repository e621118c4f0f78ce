# SPDX-License-Identifier: GPL-2.0-only
"""analyze.py WORKDIR: summarize a diagnostic oracle run of case i
(HVO_ORACLE_DIAG=1 oracle/oracle.sh tests/scenarios/oracle_case_i_mixed_6g*.hvo):
where the boot-time and run-time huge pages are, how many of the 200 2 MiB
pages at the last point landed on pfns the freed boot pool had (the rest
are fresh), by zone, and the page-allocator events traced during each step.
The zone bounds are the 6 GiB qemu-pc guest's.  A diagnostic, not part of
the oracle's verdict."""
import re,sys
W=sys.argv[1]
T={}; S={}; D={}
for line in open(W+'/console.log'):
    m=re.match(r'\[ *[0-9.]+\] @@(T|S|D) (\S+) (.*)',line.rstrip('\n'))
    if not m: continue
    k,lab,rest=m.groups()
    {'T':T,'S':S,'D':D}[k].setdefault(lab,[]).append(rest)
def huge(lab):
    out=[]
    for r in S.get(lab,[]):
        w=r.split()
        if w[0]=='huge':
            s,o,n=int(w[1],16),int(w[2]),int(w[3])
            out+= [(s+(i<<o),o) for i in range(n)]
    return out
def ev(lab):
    out=[]
    for r in T.get(lab,[]):
        w=r.split()
        if w[0]=='stats': continue
        cpu,ts,e=w[0],w[1],w[2]
        kv=dict(x.split('=',1) for x in w[3:] if '=' in x)
        out.append((cpu,float(ts),e,kv))
    return out
boot2m=set(p for p,o in huge('0') if o==9)
g1=[p for p,o in huge('2') if o==18]
print('boot 1G:',[hex(p) for p,o in huge('0') if o==18],' after g1:',[hex(p) for p in g1])
zones=[(0,0x1000,'DMA'),(0x1000,0x100000,'DMA32'),(0x100000,1<<40,'Normal')]
zn=lambda p: [z for a,b,z in zones if a<=p<b][0]
from collections import Counter
print('boot 2M pool by zone:',Counter(zn(p) for p in boot2m))
m200=set(p for p,o in huge('3') if o==9)
fresh=sorted(m200-boot2m)
print('m200: %d pages, %d on old pool pfns, %d fresh: %s'%(len(m200),len(m200&boot2m),len(fresh),[hex(p) for p in fresh]))
print('m200 by zone:',Counter(zn(p) for p in m200))
for lab in sorted(T, key=int):
    c=Counter((e,kv.get('order'),cpu) for cpu,ts,e,kv in ev(lab))
    print('step',lab,'events:',dict(c))
